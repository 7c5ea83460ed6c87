-- Migration 20260218120000: shared updated_at trigger function and the lookup tables.
--
-- Creates set_updated_at(), used by every table's trg_{table}_updated_at trigger, then one
-- lookup table per status domain (roles, project/character/scene/segment/job/worker/approval
-- statuses) plus job_types, each seeded with explicit ids and its sequence moved past them so
-- that adding a value later is a single INSERT. Conventions: SCHEMA_CONVENTIONS.md.
-- Forward-only; runs as one transaction. The vector extension is owned by bootstrap, not here.

-- set_updated_at -----------------------------------------------------------------------------
-- clock_timestamp(), not now(): now() is frozen at the start of the transaction, so two updates
-- of the same row in one transaction (or an insert followed by an update) would leave
-- updated_at unchanged / equal to created_at. clock_timestamp() advances on every call.
CREATE FUNCTION set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION set_updated_at() IS 'BEFORE UPDATE row trigger function shared by every table: sets updated_at to clock_timestamp() (wall-clock time of the update, advancing even within one transaction).';

-- roles ---------------------------------------------------------------------------------
CREATE TABLE roles (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT        NOT NULL,
    label       TEXT        NOT NULL,
    description TEXT        NOT NULL,
    sort_order  SMALLINT    NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_roles_name UNIQUE (name),
    CONSTRAINT ck_roles_name_format CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    CONSTRAINT ck_roles_label_not_blank CHECK (btrim(label) <> ''),
    CONSTRAINT ck_roles_sort_order_non_negative CHECK (sort_order >= 0)
);

CREATE TRIGGER trg_roles_updated_at
    BEFORE UPDATE ON roles
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE roles IS 'What a user may do on the platform. Referenced by users.role_id. Lookup table: add a value with one INSERT; never renumber or delete a seeded row.';
COMMENT ON COLUMN roles.id IS 'Surrogate key. Seeded rows have fixed ids (1, 2, ...) that code and partial indexes may rely on.';
COMMENT ON COLUMN roles.name IS 'Stable machine name of the role value (lower snake_case), used by code instead of the id; unique.';
COMMENT ON COLUMN roles.label IS 'Human-readable label of the role value shown in the UI; may be reworded freely.';
COMMENT ON COLUMN roles.description IS 'What the role value means, for admins and reviewers.';
COMMENT ON COLUMN roles.sort_order IS 'Display order in lists and drop-downs (ascending, 0 first).';
COMMENT ON COLUMN roles.created_at IS 'When the row was inserted.';
COMMENT ON COLUMN roles.updated_at IS 'When the row was last updated; maintained by trigger trg_roles_updated_at.';

INSERT INTO roles (id, name, label, description, sort_order) VALUES
    (1, 'admin', 'Admin', 'Manages users, lookup values, workers and every project.', 10),
    (2, 'creator', 'Creator', 'Creates projects, characters and scenes and requests generation jobs.', 20),
    (3, 'reviewer', 'Reviewer', 'Reviews generated video segments and approves or rejects them.', 30);
SELECT setval(pg_get_serial_sequence('roles', 'id'), (SELECT max(id) FROM roles));

-- project_statuses ----------------------------------------------------------------------
CREATE TABLE project_statuses (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT        NOT NULL,
    label       TEXT        NOT NULL,
    description TEXT        NOT NULL,
    sort_order  SMALLINT    NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_project_statuses_name UNIQUE (name),
    CONSTRAINT ck_project_statuses_name_format CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    CONSTRAINT ck_project_statuses_label_not_blank CHECK (btrim(label) <> ''),
    CONSTRAINT ck_project_statuses_sort_order_non_negative CHECK (sort_order >= 0)
);

CREATE TRIGGER trg_project_statuses_updated_at
    BEFORE UPDATE ON project_statuses
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE project_statuses IS 'Lifecycle states of a project. Referenced by projects.project_status_id. Lookup table: add a value with one INSERT; never renumber or delete a seeded row.';
COMMENT ON COLUMN project_statuses.id IS 'Surrogate key. Seeded rows have fixed ids (1, 2, ...) that code and partial indexes may rely on.';
COMMENT ON COLUMN project_statuses.name IS 'Stable machine name of the project value (lower snake_case), used by code instead of the id; unique.';
COMMENT ON COLUMN project_statuses.label IS 'Human-readable label of the project value shown in the UI; may be reworded freely.';
COMMENT ON COLUMN project_statuses.description IS 'What the project value means, for admins and reviewers.';
COMMENT ON COLUMN project_statuses.sort_order IS 'Display order in lists and drop-downs (ascending, 0 first).';
COMMENT ON COLUMN project_statuses.created_at IS 'When the row was inserted.';
COMMENT ON COLUMN project_statuses.updated_at IS 'When the row was last updated; maintained by trigger trg_project_statuses_updated_at.';

INSERT INTO project_statuses (id, name, label, description, sort_order) VALUES
    (1, 'draft', 'Draft', 'Being set up; nothing has been generated yet.', 10),
    (2, 'active', 'Active', 'In production: characters and scenes are being generated and reviewed.', 20),
    (3, 'on_hold', 'On hold', 'Paused; no new generation jobs should be requested.', 30),
    (4, 'completed', 'Completed', 'All deliverables are approved.', 40),
    (5, 'archived', 'Archived', 'Closed and kept for reference only; read-only in the application.', 50);
SELECT setval(pg_get_serial_sequence('project_statuses', 'id'), (SELECT max(id) FROM project_statuses));

-- character_statuses --------------------------------------------------------------------
CREATE TABLE character_statuses (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT        NOT NULL,
    label       TEXT        NOT NULL,
    description TEXT        NOT NULL,
    sort_order  SMALLINT    NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_character_statuses_name UNIQUE (name),
    CONSTRAINT ck_character_statuses_name_format CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    CONSTRAINT ck_character_statuses_label_not_blank CHECK (btrim(label) <> ''),
    CONSTRAINT ck_character_statuses_sort_order_non_negative CHECK (sort_order >= 0)
);

CREATE TRIGGER trg_character_statuses_updated_at
    BEFORE UPDATE ON character_statuses
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE character_statuses IS 'Lifecycle states of a character. Referenced by characters.character_status_id. Lookup table: add a value with one INSERT; never renumber or delete a seeded row.';
COMMENT ON COLUMN character_statuses.id IS 'Surrogate key. Seeded rows have fixed ids (1, 2, ...) that code and partial indexes may rely on.';
COMMENT ON COLUMN character_statuses.name IS 'Stable machine name of the character value (lower snake_case), used by code instead of the id; unique.';
COMMENT ON COLUMN character_statuses.label IS 'Human-readable label of the character value shown in the UI; may be reworded freely.';
COMMENT ON COLUMN character_statuses.description IS 'What the character value means, for admins and reviewers.';
COMMENT ON COLUMN character_statuses.sort_order IS 'Display order in lists and drop-downs (ascending, 0 first).';
COMMENT ON COLUMN character_statuses.created_at IS 'When the row was inserted.';
COMMENT ON COLUMN character_statuses.updated_at IS 'When the row was last updated; maintained by trigger trg_character_statuses_updated_at.';

INSERT INTO character_statuses (id, name, label, description, sort_order) VALUES
    (1, 'draft', 'Draft', 'Reference images are still being collected.', 10),
    (2, 'ready', 'Ready', 'Reference images are complete; scenes can be generated.', 20),
    (3, 'archived', 'Archived', 'No longer used in production; kept for reference.', 30);
SELECT setval(pg_get_serial_sequence('character_statuses', 'id'), (SELECT max(id) FROM character_statuses));

-- scene_statuses ------------------------------------------------------------------------
CREATE TABLE scene_statuses (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT        NOT NULL,
    label       TEXT        NOT NULL,
    description TEXT        NOT NULL,
    sort_order  SMALLINT    NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_scene_statuses_name UNIQUE (name),
    CONSTRAINT ck_scene_statuses_name_format CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    CONSTRAINT ck_scene_statuses_label_not_blank CHECK (btrim(label) <> ''),
    CONSTRAINT ck_scene_statuses_sort_order_non_negative CHECK (sort_order >= 0)
);

CREATE TRIGGER trg_scene_statuses_updated_at
    BEFORE UPDATE ON scene_statuses
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE scene_statuses IS 'Lifecycle states of a scene. Referenced by scenes.scene_status_id. Lookup table: add a value with one INSERT; never renumber or delete a seeded row.';
COMMENT ON COLUMN scene_statuses.id IS 'Surrogate key. Seeded rows have fixed ids (1, 2, ...) that code and partial indexes may rely on.';
COMMENT ON COLUMN scene_statuses.name IS 'Stable machine name of the scene value (lower snake_case), used by code instead of the id; unique.';
COMMENT ON COLUMN scene_statuses.label IS 'Human-readable label of the scene value shown in the UI; may be reworded freely.';
COMMENT ON COLUMN scene_statuses.description IS 'What the scene value means, for admins and reviewers.';
COMMENT ON COLUMN scene_statuses.sort_order IS 'Display order in lists and drop-downs (ascending, 0 first).';
COMMENT ON COLUMN scene_statuses.created_at IS 'When the row was inserted.';
COMMENT ON COLUMN scene_statuses.updated_at IS 'When the row was last updated; maintained by trigger trg_scene_statuses_updated_at.';

INSERT INTO scene_statuses (id, name, label, description, sort_order) VALUES
    (1, 'pending', 'Pending', 'Defined but no segment has been generated yet.', 10),
    (2, 'generating', 'Generating', 'At least one segment is being generated.', 20),
    (3, 'in_review', 'In review', 'All segments are generated and awaiting review.', 30),
    (4, 'approved', 'Approved', 'Every segment of the scene is approved.', 40),
    (5, 'rejected', 'Rejected', 'The scene was rejected and needs rework.', 50);
SELECT setval(pg_get_serial_sequence('scene_statuses', 'id'), (SELECT max(id) FROM scene_statuses));

-- segment_statuses ----------------------------------------------------------------------
CREATE TABLE segment_statuses (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT        NOT NULL,
    label       TEXT        NOT NULL,
    description TEXT        NOT NULL,
    sort_order  SMALLINT    NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_segment_statuses_name UNIQUE (name),
    CONSTRAINT ck_segment_statuses_name_format CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    CONSTRAINT ck_segment_statuses_label_not_blank CHECK (btrim(label) <> ''),
    CONSTRAINT ck_segment_statuses_sort_order_non_negative CHECK (sort_order >= 0)
);

CREATE TRIGGER trg_segment_statuses_updated_at
    BEFORE UPDATE ON segment_statuses
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE segment_statuses IS 'Lifecycle states of a video segment. Referenced by video_segments.segment_status_id. Lookup table: add a value with one INSERT; never renumber or delete a seeded row.';
COMMENT ON COLUMN segment_statuses.id IS 'Surrogate key. Seeded rows have fixed ids (1, 2, ...) that code and partial indexes may rely on.';
COMMENT ON COLUMN segment_statuses.name IS 'Stable machine name of the segment value (lower snake_case), used by code instead of the id; unique.';
COMMENT ON COLUMN segment_statuses.label IS 'Human-readable label of the segment value shown in the UI; may be reworded freely.';
COMMENT ON COLUMN segment_statuses.description IS 'What the segment value means, for admins and reviewers.';
COMMENT ON COLUMN segment_statuses.sort_order IS 'Display order in lists and drop-downs (ascending, 0 first).';
COMMENT ON COLUMN segment_statuses.created_at IS 'When the row was inserted.';
COMMENT ON COLUMN segment_statuses.updated_at IS 'When the row was last updated; maintained by trigger trg_segment_statuses_updated_at.';

INSERT INTO segment_statuses (id, name, label, description, sort_order) VALUES
    (1, 'pending', 'Pending', 'Planned; no file has been produced yet.', 10),
    (2, 'generating', 'Generating', 'A generation job is producing or re-rendering the file.', 20),
    (3, 'generated', 'Generated', 'The file exists and awaits review.', 30),
    (4, 'approved', 'Approved', 'A reviewer approved the segment.', 40),
    (5, 'rejected', 'Rejected', 'A reviewer rejected the segment; it needs a re-render.', 50),
    (6, 'failed', 'Failed', 'Generation failed; see the segment''s generation jobs for the error.', 60);
SELECT setval(pg_get_serial_sequence('segment_statuses', 'id'), (SELECT max(id) FROM segment_statuses));

-- job_statuses --------------------------------------------------------------------------
CREATE TABLE job_statuses (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT        NOT NULL,
    label       TEXT        NOT NULL,
    description TEXT        NOT NULL,
    sort_order  SMALLINT    NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_job_statuses_name UNIQUE (name),
    CONSTRAINT ck_job_statuses_name_format CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    CONSTRAINT ck_job_statuses_label_not_blank CHECK (btrim(label) <> ''),
    CONSTRAINT ck_job_statuses_sort_order_non_negative CHECK (sort_order >= 0)
);

CREATE TRIGGER trg_job_statuses_updated_at
    BEFORE UPDATE ON job_statuses
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE job_statuses IS 'Lifecycle states of a generation job. Referenced by generation_jobs.job_status_id. Lookup table: add a value with one INSERT; never renumber or delete a seeded row.';
COMMENT ON COLUMN job_statuses.id IS 'Surrogate key. Seeded rows have fixed ids (1, 2, ...) that code and partial indexes may rely on.';
COMMENT ON COLUMN job_statuses.name IS 'Stable machine name of the job value (lower snake_case), used by code instead of the id; unique.';
COMMENT ON COLUMN job_statuses.label IS 'Human-readable label of the job value shown in the UI; may be reworded freely.';
COMMENT ON COLUMN job_statuses.description IS 'What the job value means, for admins and reviewers.';
COMMENT ON COLUMN job_statuses.sort_order IS 'Display order in lists and drop-downs (ascending, 0 first).';
COMMENT ON COLUMN job_statuses.created_at IS 'When the row was inserted.';
COMMENT ON COLUMN job_statuses.updated_at IS 'When the row was last updated; maintained by trigger trg_job_statuses_updated_at.';

INSERT INTO job_statuses (id, name, label, description, sort_order) VALUES
    (1, 'pending', 'Pending', 'Queued and waiting for a worker.', 10),
    (2, 'running', 'Running', 'Assigned to a worker and in progress.', 20),
    (3, 'succeeded', 'Succeeded', 'Finished and produced its segment file.', 30),
    (4, 'failed', 'Failed', 'Finished with an error.', 40),
    (5, 'cancelled', 'Cancelled', 'Cancelled by a user before it finished.', 50);
SELECT setval(pg_get_serial_sequence('job_statuses', 'id'), (SELECT max(id) FROM job_statuses));

-- worker_statuses -----------------------------------------------------------------------
CREATE TABLE worker_statuses (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT        NOT NULL,
    label       TEXT        NOT NULL,
    description TEXT        NOT NULL,
    sort_order  SMALLINT    NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_worker_statuses_name UNIQUE (name),
    CONSTRAINT ck_worker_statuses_name_format CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    CONSTRAINT ck_worker_statuses_label_not_blank CHECK (btrim(label) <> ''),
    CONSTRAINT ck_worker_statuses_sort_order_non_negative CHECK (sort_order >= 0)
);

CREATE TRIGGER trg_worker_statuses_updated_at
    BEFORE UPDATE ON worker_statuses
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE worker_statuses IS 'Availability states of a render worker. Referenced by workers.worker_status_id. Lookup table: add a value with one INSERT; never renumber or delete a seeded row.';
COMMENT ON COLUMN worker_statuses.id IS 'Surrogate key. Seeded rows have fixed ids (1, 2, ...) that code and partial indexes may rely on.';
COMMENT ON COLUMN worker_statuses.name IS 'Stable machine name of the worker value (lower snake_case), used by code instead of the id; unique.';
COMMENT ON COLUMN worker_statuses.label IS 'Human-readable label of the worker value shown in the UI; may be reworded freely.';
COMMENT ON COLUMN worker_statuses.description IS 'What the worker value means, for admins and reviewers.';
COMMENT ON COLUMN worker_statuses.sort_order IS 'Display order in lists and drop-downs (ascending, 0 first).';
COMMENT ON COLUMN worker_statuses.created_at IS 'When the row was inserted.';
COMMENT ON COLUMN worker_statuses.updated_at IS 'When the row was last updated; maintained by trigger trg_worker_statuses_updated_at.';

INSERT INTO worker_statuses (id, name, label, description, sort_order) VALUES
    (1, 'idle', 'Idle', 'Online and ready to take a job.', 10),
    (2, 'busy', 'Busy', 'Online and running a job.', 20),
    (3, 'offline', 'Offline', 'Not reachable (no recent heartbeat).', 30),
    (4, 'disabled', 'Disabled', 'Taken out of the pool by an admin; receives no jobs.', 40);
SELECT setval(pg_get_serial_sequence('worker_statuses', 'id'), (SELECT max(id) FROM worker_statuses));

-- approval_statuses ---------------------------------------------------------------------
CREATE TABLE approval_statuses (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT        NOT NULL,
    label       TEXT        NOT NULL,
    description TEXT        NOT NULL,
    sort_order  SMALLINT    NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_approval_statuses_name UNIQUE (name),
    CONSTRAINT ck_approval_statuses_name_format CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    CONSTRAINT ck_approval_statuses_label_not_blank CHECK (btrim(label) <> ''),
    CONSTRAINT ck_approval_statuses_sort_order_non_negative CHECK (sort_order >= 0)
);

CREATE TRIGGER trg_approval_statuses_updated_at
    BEFORE UPDATE ON approval_statuses
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE approval_statuses IS 'Outcomes of a review decision on a video segment. Referenced by segment_approvals.approval_status_id. Lookup table: add a value with one INSERT; never renumber or delete a seeded row.';
COMMENT ON COLUMN approval_statuses.id IS 'Surrogate key. Seeded rows have fixed ids (1, 2, ...) that code and partial indexes may rely on.';
COMMENT ON COLUMN approval_statuses.name IS 'Stable machine name of the approval value (lower snake_case), used by code instead of the id; unique.';
COMMENT ON COLUMN approval_statuses.label IS 'Human-readable label of the approval value shown in the UI; may be reworded freely.';
COMMENT ON COLUMN approval_statuses.description IS 'What the approval value means, for admins and reviewers.';
COMMENT ON COLUMN approval_statuses.sort_order IS 'Display order in lists and drop-downs (ascending, 0 first).';
COMMENT ON COLUMN approval_statuses.created_at IS 'When the row was inserted.';
COMMENT ON COLUMN approval_statuses.updated_at IS 'When the row was last updated; maintained by trigger trg_approval_statuses_updated_at.';

INSERT INTO approval_statuses (id, name, label, description, sort_order) VALUES
    (1, 'pending', 'Pending', 'Assigned to a reviewer; no decision yet.', 10),
    (2, 'approved', 'Approved', 'The reviewer accepted the segment.', 20),
    (3, 'rejected', 'Rejected', 'The reviewer refused the segment.', 30),
    (4, 'changes_requested', 'Changes requested', 'The reviewer asks for a re-render with the changes in the comment.', 40);
SELECT setval(pg_get_serial_sequence('approval_statuses', 'id'), (SELECT max(id) FROM approval_statuses));

-- job_types -----------------------------------------------------------------------------
CREATE TABLE job_types (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT        NOT NULL,
    label       TEXT        NOT NULL,
    description TEXT        NOT NULL,
    sort_order  SMALLINT    NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_job_types_name UNIQUE (name),
    CONSTRAINT ck_job_types_name_format CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    CONSTRAINT ck_job_types_label_not_blank CHECK (btrim(label) <> ''),
    CONSTRAINT ck_job_types_sort_order_non_negative CHECK (sort_order >= 0)
);

CREATE TRIGGER trg_job_types_updated_at
    BEFORE UPDATE ON job_types
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE job_types IS 'Kinds of generation job. Referenced by generation_jobs.job_type_id. Lookup table: add a value with one INSERT; never renumber or delete a seeded row.';
COMMENT ON COLUMN job_types.id IS 'Surrogate key. Seeded rows have fixed ids (1, 2, ...) that code and partial indexes may rely on.';
COMMENT ON COLUMN job_types.name IS 'Stable machine name of the job type value (lower snake_case), used by code instead of the id; unique.';
COMMENT ON COLUMN job_types.label IS 'Human-readable label of the job type value shown in the UI; may be reworded freely.';
COMMENT ON COLUMN job_types.description IS 'What the job type value means, for admins and reviewers.';
COMMENT ON COLUMN job_types.sort_order IS 'Display order in lists and drop-downs (ascending, 0 first).';
COMMENT ON COLUMN job_types.created_at IS 'When the row was inserted.';
COMMENT ON COLUMN job_types.updated_at IS 'When the row was last updated; maintained by trigger trg_job_types_updated_at.';

INSERT INTO job_types (id, name, label, description, sort_order) VALUES
    (1, 'produce', 'Produce', 'First generation of a video segment''s file.', 10),
    (2, 're_render', 'Re-render', 'Generates an existing video segment''s file again, replacing it.', 20);
SELECT setval(pg_get_serial_sequence('job_types', 'id'), (SELECT max(id) FROM job_types));
