"""Configuration: precedence (environment over .env), defaults, and every invalid value."""

from pathlib import Path

import pytest

from x121_docs.config import SETTINGS, Secret, env_example, load_settings
from x121_docs.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_defaults_without_any_setting(tmp_path):
    s = load_settings(env={}, cwd=tmp_path)
    assert (s.host, s.port, s.name, s.user, s.sslmode) == (None, 5432, "x121_x121", None, "disable")
    assert s.uses_embedded and s.auto_migrate and s.app_env == "development"
    assert s.pgdata == tmp_path / ".x121/pgdata"
    assert s.migrations_dir == tmp_path / "migrations"


def test_environment_wins_over_dotenv(tmp_path):
    (tmp_path / ".env").write_text("DB_HOST=db.example\nDB_PORT=6543\nDB_NAME=from_file\nDB_USER=alice\n")
    s = load_settings(env={"DB_NAME": "from_env"}, cwd=tmp_path)
    assert (s.host, s.port, s.name, s.user) == ("db.example", 6543, "from_env", "alice")
    assert not s.uses_embedded


def test_production_turns_auto_migrate_off_unless_asked(tmp_path):
    assert load_settings(env={"APP_ENV": "production"}, cwd=tmp_path).auto_migrate is False
    assert load_settings(env={"APP_ENV": "production", "DB_AUTO_MIGRATE": "true"}, cwd=tmp_path).auto_migrate is True
    assert load_settings(env={"DB_AUTO_MIGRATE": "off"}, cwd=tmp_path).auto_migrate is False


@pytest.mark.parametrize(("value", "mode"), [("false", "disable"), ("true", "require"), ("verify-full", "verify-full"),
                                             ("PREFER", "prefer"), ("0", "disable")])
def test_db_ssl_values(tmp_path, value, mode):
    assert load_settings(env={"DB_SSL": value}, cwd=tmp_path).sslmode == mode


def test_unix_socket_directory_is_a_host(tmp_path):
    s = load_settings(env={"DB_HOST": "/var/run/postgresql"}, cwd=tmp_path)
    assert s.host == "/var/run/postgresql" and "host=/var/run/postgresql" in s.url()


@pytest.mark.parametrize(("var", "value", "accepted"), [
    ("DB_PORT", "abc", "whole number"),
    ("DB_PORT", "0", "at least 1"),
    ("DB_PORT", "70000", "at most 65535"),
    ("DB_SSL", "maybe", "sslmode"),
    ("DB_POOL_MIN", "-1", "at least 0"),
    ("DB_POOL_MAX", "zero", "whole number"),
    ("DB_POOL_IDLE_TIMEOUT", "soon", "positive number of seconds"),
    ("DB_POOL_MAX_LIFETIME", "-5", "positive number of seconds"),
    ("DB_CONNECT_TIMEOUT", "1.5", "whole number"),
    ("APP_ENV", "staging", "development or production"),
    ("DB_AUTO_MIGRATE", "sometimes", "true or false"),
    ("DB_NAME", "x" * 64, "63 bytes"),
])
def test_invalid_values_name_variable_value_and_what_is_accepted(tmp_path, var, value, accepted):
    with pytest.raises(ConfigError) as info:
        load_settings(env={var: value}, cwd=tmp_path)
    message = info.value.render()
    assert var in message and repr(value) in message and accepted in message
    assert "\n" not in message


def test_pool_max_below_min(tmp_path):
    with pytest.raises(ConfigError, match=r"DB_POOL_MAX=2: it must be at least DB_POOL_MIN=5"):
        load_settings(env={"DB_POOL_MIN": "5", "DB_POOL_MAX": "2"}, cwd=tmp_path)


def test_invalid_value_in_dotenv_is_reported_by_the_cli(cli_env, run_cli):
    (cli_env / ".env").write_text("DB_SSL=maybe\n")
    import os

    os.environ.pop("DB_SSL", None)
    code, out, err = run_cli("db", "status")
    assert code == 2
    assert "Invalid setting DB_SSL='maybe'" in err and "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1


def test_password_is_masked_everywhere_it_is_shown(tmp_path):
    s = load_settings(env={"DB_HOST": "h", "DB_USER": "u", "DB_PASSWORD": "pa55-Secret"}, cwd=tmp_path)
    assert "pa55-Secret" not in repr(s) and "pa55-Secret" not in str(s) and "pa55-Secret" not in s.url()
    assert s.password.reveal() == "pa55-Secret" and "u:********@h:5432" in s.url()
    assert str(Secret("x")) == "Secret(********)"


def test_env_example_lists_every_setting_with_its_default():
    text = (PROJECT_ROOT / ".env.example").read_text()
    assert text == env_example()  # committed file is in sync with the settings table
    for setting in SETTINGS:
        assert f"\n{setting.name}={setting.default}\n" in text
