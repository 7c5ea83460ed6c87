"""Realistic volumes of platform data (generated, seeded) for the dependency scan and its benchmark.

The sample project (`sample_project.sql`) has a few rows per table: too few for a data check.
This fills the migrated schema with `scale` x (300 users, 60 projects, 1,200 characters, 6,000
images and scenes, 60,000 video segments, 90,000 generation jobs, 30,000 approvals), values drawn
independently the way the real platform produces them (skewed statuses, NULL file facts for
unrendered segments, workers only on started jobs), so a correct 3NF schema shows no dependency
that the data does not have.  `setseed` makes every run load the same rows.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

SIZES = {"users": 300, "projects": 60, "characters": 1_200, "character_images": 6_000, "scenes": 6_000,
         "video_segments": 60_000, "workers": 24, "generation_jobs": 90_000, "segment_approvals": 30_000}

_SQL = """
SELECT setseed(%(seed)s);
INSERT INTO users (id, email, display_name, role_id)
SELECT g, format('user%%s@studio.example', g), initcap(md5(g::text)::text), 1 + (random() ^ 2 * 3)::int %% 3
FROM generate_series(1, %(users)s) g;
INSERT INTO projects (id, name, description, project_status_id, created_by_user_id)
SELECT g, format('Project %%s', g), CASE WHEN random() < 0.7 THEN format('Season %%s campaign', 1 + (random() * 9)::int) END,
       (SELECT min(id) FROM project_statuses) + (random() * ((SELECT count(*) FROM project_statuses) - 1))::int,
       1 + (random() * (%(users)s - 1))::int
FROM generate_series(1, %(projects)s) g;
INSERT INTO characters (id, project_id, name, description, character_status_id)
SELECT g, 1 + (g - 1) %% %(projects)s, format('%%s %%s', (ARRAY['Ava','Ben','Cleo','Dax','Eve','Finn','Gus','Hana'])[1 + (random() * 7)::int], g),
       CASE WHEN random() < 0.5 THEN (ARRAY['Lead','Support','Villain','Extra','Narrator'])[1 + (random() * 4)::int] END,
       (SELECT min(id) FROM character_statuses) + (random() * ((SELECT count(*) FROM character_statuses) - 1))::int
FROM generate_series(1, %(characters)s) g;
INSERT INTO character_images (id, character_id, file_path, file_size_bytes, file_sha256)
SELECT g, 1 + (random() * (%(characters)s - 1))::int, format('images/%%s.png', g), 50000 + (random() * 400000)::int,
       encode(sha256(convert_to('image' || g, 'UTF8')), 'hex')
FROM generate_series(1, %(character_images)s) g;
INSERT INTO scene_types (id, name, label, description, sort_order)
SELECT g, format('type_%%s', g), format('Type %%s', g), NULL, 10 * g FROM generate_series(1, 12) g;
INSERT INTO scenes (id, character_id, name, scene_type_id, scene_status_id)
SELECT g, 1 + (g - 1) %% %(characters)s, format('Scene %%s', g), 1 + (random() * 11)::int,
       (SELECT min(id) FROM scene_statuses) + (random() * ((SELECT count(*) FROM scene_statuses) - 1))::int
FROM generate_series(1, %(scenes)s) g;
INSERT INTO video_segments (id, scene_id, sequence_index, segment_status_id, file_path, file_size_bytes, file_sha256,
                            duration_ms)
SELECT g, s, i, st, format('segments/%%s/%%s.mp4', s, i),
       CASE WHEN rendered THEN 1000000 + (random() * 9000000)::int END,
       CASE WHEN rendered THEN encode(sha256(convert_to('seg' || g, 'UTF8')), 'hex') END,
       CASE WHEN rendered THEN 2000 + (random() * 6000)::int END
FROM (SELECT g, 1 + (g - 1) %% %(scenes)s AS s, (g - 1) / %(scenes)s AS i,
             (SELECT min(id) FROM segment_statuses) + (random() * ((SELECT count(*) FROM segment_statuses) - 1))::int AS st,
             random() < 0.8 AS rendered
      FROM generate_series(1, %(video_segments)s) g) x;
INSERT INTO workers (id, name, worker_status_id, last_heartbeat_at)
SELECT g, format('gpu-%%s', g), (SELECT min(id) FROM worker_statuses), now() - random() * interval '1 hour'
FROM generate_series(1, %(workers)s) g;
INSERT INTO generation_jobs (id, video_segment_id, job_type_id, job_status_id, worker_id, requested_by_user_id,
                             priority, attempt_count, started_at, finished_at, error_message)
SELECT g, 1 + (random() * (%(video_segments)s - 1))::int, jt, js,
       CASE WHEN started THEN 1 + (random() * (%(workers)s - 1))::int END, 1 + (random() * (%(users)s - 1))::int,
       (random() * 100)::int, CASE WHEN started THEN 1 + (random() ^ 3 * 3)::int ELSE 0 END,
       CASE WHEN started THEN t0 END, CASE WHEN started THEN t0 + random() * interval '20 minutes' END,
       CASE WHEN started AND random() < 0.05 THEN (ARRAY['CUDA out of memory','timeout','worker lost'])[1 + (random() * 2)::int] END
FROM (SELECT g, (SELECT min(id) FROM job_types) + (random() * ((SELECT count(*) FROM job_types) - 1))::int AS jt,
             (SELECT min(id) FROM job_statuses) + (random() * ((SELECT count(*) FROM job_statuses) - 1))::int AS js,
             random() < 0.85 AS started, now() - random() * interval '90 days' AS t0
      FROM generate_series(1, %(generation_jobs)s) g) x;
INSERT INTO segment_approvals (id, video_segment_id, reviewer_user_id, approval_status_id, comment, decided_at)
SELECT g, 1 + (random() * (%(video_segments)s - 1))::int, 1 + (random() * (%(users)s - 1))::int,
       (SELECT min(id) FROM approval_statuses) + (random() * ((SELECT count(*) FROM approval_statuses) - 1))::int,
       CASE WHEN random() < 0.3 THEN (ARRAY['Looks good','Fix the lighting','Too fast','Great motion'])[1 + (random() * 3)::int] END,
       now() - random() * interval '60 days'
FROM generate_series(1, %(segment_approvals)s) g;
"""


def load_platform_data(conn: psycopg.Connection, scale: float = 1.0, seed: float = 0.121) -> dict[str, int]:
    """Fill the (migrated, empty) platform schema in one transaction; returns the rows per table."""
    sizes = {k: max(2, round(v * scale)) for k, v in SIZES.items()}
    with conn.transaction():
        with psycopg.ClientCursor(conn) as cur:  # one script, values bound client-side
            cur.execute(_SQL, {"seed": seed, **sizes})
        for table in (*SIZES, "scene_types"):
            conn.execute(sql.SQL("SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {}))").format(
                sql.Identifier(table)), [table])
    conn.execute("ANALYZE")
    return sizes
