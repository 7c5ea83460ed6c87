"""nbval runs these notebooks (`make test`): against the embedded server, with default settings.

The stored outputs show the configuration in use, so the run must not depend on the shell's
DB_* variables or on the project's `.env` (the environment wins over `.env`): every setting is
set to its documented default for the kernels nbval starts.  Each notebook works in a scratch
database of its own, so the developer's data on the embedded server is never touched.
"""

import os

from x121_docs.config import SETTINGS


def pytest_configure(config):  # noqa: ANN001, ARG001 - pytest hook
    for setting in SETTINGS:
        os.environ[setting.name] = setting.default
