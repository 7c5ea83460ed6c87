-- Migration 20260218120100: the base entity tables.
--
-- users, projects, characters, character_images, scene_types, scenes, video_segments, workers,
-- generation_jobs and segment_approvals, with their foreign keys (explicit ON DELETE and
-- ON UPDATE on every one), one btree index per foreign key column, business-key unique
-- constraints, range CHECKs, partial indexes for the job and review queues, updated_at triggers
-- and a COMMENT on every table and column. Cascade matrix: SCHEMA_CONVENTIONS.md.
-- Forward-only; runs as one transaction (no CREATE INDEX CONCURRENTLY: every table is new).

-- users ----------------------------------------------------------------------------------------
CREATE TABLE users (
    id           BIGSERIAL PRIMARY KEY,
    email        TEXT        NOT NULL,
    display_name TEXT        NOT NULL,
    role_id      BIGINT      NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT fk_users_role_id FOREIGN KEY (role_id)
        REFERENCES roles (id) ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT ck_users_email_format CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    CONSTRAINT ck_users_display_name_not_blank CHECK (btrim(display_name) <> '')
);

-- Case-insensitive uniqueness: 'Ann@x.io' and 'ann@x.io' are the same account.
CREATE UNIQUE INDEX uq_users_email ON users (lower(email));
CREATE INDEX idx_users_role_id ON users (role_id);

CREATE TRIGGER trg_users_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE users IS 'People who sign in to the platform (admins, creators, reviewers).';
COMMENT ON COLUMN users.id IS 'Surrogate key.';
COMMENT ON COLUMN users.email IS 'Sign-in e-mail address as typed by the user; unique case-insensitively (index uq_users_email on lower(email)).';
COMMENT ON COLUMN users.display_name IS 'Name shown in the UI, e.g. on review decisions.';
COMMENT ON COLUMN users.role_id IS 'The user''s role (roles.id). A role still held by a user cannot be deleted (RESTRICT).';
COMMENT ON COLUMN users.created_at IS 'When the account was created.';
COMMENT ON COLUMN users.updated_at IS 'When the row was last updated; maintained by trigger trg_users_updated_at.';

-- projects -------------------------------------------------------------------------------------
CREATE TABLE projects (
    id                 BIGSERIAL PRIMARY KEY,
    name               TEXT        NOT NULL,
    description        TEXT        NULL,
    project_status_id  BIGINT      NOT NULL,
    created_by_user_id BIGINT      NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_projects_name UNIQUE (name),
    CONSTRAINT fk_projects_project_status_id FOREIGN KEY (project_status_id)
        REFERENCES project_statuses (id) ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT fk_projects_created_by_user_id FOREIGN KEY (created_by_user_id)
        REFERENCES users (id) ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT ck_projects_name_not_blank CHECK (btrim(name) <> '')
);

CREATE INDEX idx_projects_project_status_id ON projects (project_status_id);
CREATE INDEX idx_projects_created_by_user_id ON projects (created_by_user_id);

CREATE TRIGGER trg_projects_updated_at
    BEFORE UPDATE ON projects
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE projects IS 'A production: the top of the ownership tree. Deleting a project deletes its characters and everything below them (CASCADE).';
COMMENT ON COLUMN projects.id IS 'Surrogate key.';
COMMENT ON COLUMN projects.name IS 'Project name; unique across the platform.';
COMMENT ON COLUMN projects.description IS 'Optional free-text brief of the project; NULL when none was given.';
COMMENT ON COLUMN projects.project_status_id IS 'Lifecycle state (project_statuses.id).';
COMMENT ON COLUMN projects.created_by_user_id IS 'User who created the project (users.id). A user who created projects cannot be deleted (RESTRICT).';
COMMENT ON COLUMN projects.created_at IS 'When the project was created.';
COMMENT ON COLUMN projects.updated_at IS 'When the row was last updated; maintained by trigger trg_projects_updated_at.';

-- characters -----------------------------------------------------------------------------------
CREATE TABLE characters (
    id                  BIGSERIAL PRIMARY KEY,
    project_id          BIGINT      NOT NULL,
    name                TEXT        NOT NULL,
    description         TEXT        NULL,
    character_status_id BIGINT      NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_characters_project_id_name UNIQUE (project_id, name),
    CONSTRAINT fk_characters_project_id FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    CONSTRAINT fk_characters_character_status_id FOREIGN KEY (character_status_id)
        REFERENCES character_statuses (id) ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT ck_characters_name_not_blank CHECK (btrim(name) <> '')
);

-- project_id is covered by uq_characters_project_id_name (leading column); a separate
-- idx_characters_project_id would be a redundant left prefix of it.
CREATE INDEX idx_characters_character_status_id ON characters (character_status_id);

CREATE TRIGGER trg_characters_updated_at
    BEFORE UPDATE ON characters
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE characters IS 'A character of a project, whose likeness is generated in scenes.';
COMMENT ON COLUMN characters.id IS 'Surrogate key.';
COMMENT ON COLUMN characters.project_id IS 'Owning project (projects.id); deleting the project deletes the character (CASCADE). Indexed by uq_characters_project_id_name.';
COMMENT ON COLUMN characters.name IS 'Character name; unique within its project.';
COMMENT ON COLUMN characters.description IS 'Optional free-text notes on the character; NULL when none.';
COMMENT ON COLUMN characters.character_status_id IS 'Lifecycle state (character_statuses.id).';
COMMENT ON COLUMN characters.created_at IS 'When the character was created.';
COMMENT ON COLUMN characters.updated_at IS 'When the row was last updated; maintained by trigger trg_characters_updated_at.';

-- character_images -----------------------------------------------------------------------------
CREATE TABLE character_images (
    id              BIGSERIAL PRIMARY KEY,
    character_id    BIGINT      NOT NULL,
    file_path       TEXT        NOT NULL,
    file_size_bytes BIGINT      NOT NULL,
    file_sha256     TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_character_images_file_path UNIQUE (file_path),
    CONSTRAINT fk_character_images_character_id FOREIGN KEY (character_id)
        REFERENCES characters (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    CONSTRAINT ck_character_images_file_path_relative
        CHECK (file_path <> '' AND left(file_path, 1) <> '/' AND file_path !~ '(^|/)\.\.(/|$)'),
    CONSTRAINT ck_character_images_file_size_bytes_positive CHECK (file_size_bytes > 0),
    CONSTRAINT ck_character_images_file_sha256_format CHECK (file_sha256 ~ '^[0-9a-f]{64}$')
);

CREATE INDEX idx_character_images_character_id ON character_images (character_id);

CREATE TRIGGER trg_character_images_updated_at
    BEFORE UPDATE ON character_images
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE character_images IS 'Reference image files of a character (one row per file on storage), the source of its face embeddings.';
COMMENT ON COLUMN character_images.id IS 'Surrogate key.';
COMMENT ON COLUMN character_images.character_id IS 'Character shown in the image (characters.id); deleting the character deletes its image rows (CASCADE).';
COMMENT ON COLUMN character_images.file_path IS 'Path of the file relative to the storage root (no leading slash, no ".." segment); unique: one row per file.';
COMMENT ON COLUMN character_images.file_size_bytes IS 'Size of the file in bytes (> 0), to detect a truncated or replaced file.';
COMMENT ON COLUMN character_images.file_sha256 IS 'SHA-256 of the file content, 64 lowercase hex digits, to detect a changed file.';
COMMENT ON COLUMN character_images.created_at IS 'When the image was registered.';
COMMENT ON COLUMN character_images.updated_at IS 'When the row was last updated; maintained by trigger trg_character_images_updated_at.';

-- scene_types ----------------------------------------------------------------------------------
CREATE TABLE scene_types (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT        NOT NULL,
    label       TEXT        NOT NULL,
    description TEXT        NULL,
    sort_order  SMALLINT    NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_scene_types_name UNIQUE (name),
    CONSTRAINT ck_scene_types_name_format CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    CONSTRAINT ck_scene_types_label_not_blank CHECK (btrim(label) <> ''),
    CONSTRAINT ck_scene_types_sort_order_non_negative CHECK (sort_order >= 0)
);

CREATE TRIGGER trg_scene_types_updated_at
    BEFORE UPDATE ON scene_types
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE scene_types IS 'Kinds of scene a studio produces (e.g. an idle loop, a dance). Data managed by admins, not seeded; a type used by a scene cannot be deleted (RESTRICT).';
COMMENT ON COLUMN scene_types.id IS 'Surrogate key.';
COMMENT ON COLUMN scene_types.name IS 'Stable machine name of the scene type (lower snake_case); unique.';
COMMENT ON COLUMN scene_types.label IS 'Human-readable label shown in the UI.';
COMMENT ON COLUMN scene_types.description IS 'Optional explanation of what scenes of this type contain; NULL when none.';
COMMENT ON COLUMN scene_types.sort_order IS 'Display order in lists and drop-downs (ascending, 0 first).';
COMMENT ON COLUMN scene_types.created_at IS 'When the scene type was created.';
COMMENT ON COLUMN scene_types.updated_at IS 'When the row was last updated; maintained by trigger trg_scene_types_updated_at.';

-- scenes ---------------------------------------------------------------------------------------
CREATE TABLE scenes (
    id              BIGSERIAL PRIMARY KEY,
    character_id    BIGINT      NOT NULL,
    name            TEXT        NOT NULL,
    scene_type_id   BIGINT      NOT NULL,
    scene_status_id BIGINT      NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_scenes_character_id_name UNIQUE (character_id, name),
    CONSTRAINT fk_scenes_character_id FOREIGN KEY (character_id)
        REFERENCES characters (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    CONSTRAINT fk_scenes_scene_type_id FOREIGN KEY (scene_type_id)
        REFERENCES scene_types (id) ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT fk_scenes_scene_status_id FOREIGN KEY (scene_status_id)
        REFERENCES scene_statuses (id) ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT ck_scenes_name_not_blank CHECK (btrim(name) <> '')
);

-- character_id is covered by uq_scenes_character_id_name (leading column).
CREATE INDEX idx_scenes_scene_type_id ON scenes (scene_type_id);
CREATE INDEX idx_scenes_scene_status_id ON scenes (scene_status_id);

CREATE TRIGGER trg_scenes_updated_at
    BEFORE UPDATE ON scenes
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE scenes IS 'A scene of one character and one scene type, made of ordered video segments. The project is reached through the character (not copied here: 3NF).';
COMMENT ON COLUMN scenes.id IS 'Surrogate key.';
COMMENT ON COLUMN scenes.character_id IS 'Character the scene is about (characters.id); deleting the character deletes its scenes (CASCADE). Indexed by uq_scenes_character_id_name.';
COMMENT ON COLUMN scenes.name IS 'Scene name; unique per character.';
COMMENT ON COLUMN scenes.scene_type_id IS 'Kind of scene (scene_types.id); a scene type in use cannot be deleted (RESTRICT).';
COMMENT ON COLUMN scenes.scene_status_id IS 'Lifecycle state (scene_statuses.id).';
COMMENT ON COLUMN scenes.created_at IS 'When the scene was created.';
COMMENT ON COLUMN scenes.updated_at IS 'When the row was last updated; maintained by trigger trg_scenes_updated_at.';

-- video_segments -------------------------------------------------------------------------------
CREATE TABLE video_segments (
    id                BIGSERIAL PRIMARY KEY,
    scene_id          BIGINT      NOT NULL,
    sequence_index    SMALLINT    NOT NULL,
    segment_status_id BIGINT      NOT NULL,
    file_path         TEXT        NOT NULL,
    file_size_bytes   BIGINT      NULL,
    file_sha256       TEXT        NULL,
    duration_ms       INTEGER     NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_video_segments_scene_id_sequence_index UNIQUE (scene_id, sequence_index),
    CONSTRAINT uq_video_segments_file_path UNIQUE (file_path),
    CONSTRAINT fk_video_segments_scene_id FOREIGN KEY (scene_id)
        REFERENCES scenes (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    CONSTRAINT fk_video_segments_segment_status_id FOREIGN KEY (segment_status_id)
        REFERENCES segment_statuses (id) ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT ck_video_segments_sequence_index_non_negative CHECK (sequence_index >= 0),
    CONSTRAINT ck_video_segments_file_path_relative
        CHECK (file_path <> '' AND left(file_path, 1) <> '/' AND file_path !~ '(^|/)\.\.(/|$)'),
    CONSTRAINT ck_video_segments_file_size_bytes_positive CHECK (file_size_bytes > 0),
    CONSTRAINT ck_video_segments_file_sha256_format CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    CONSTRAINT ck_video_segments_duration_ms_positive CHECK (duration_ms > 0),
    -- The facts of the produced file are known together or not at all (before the first render).
    CONSTRAINT ck_video_segments_file_facts_all_or_none CHECK (
        (file_size_bytes IS NULL AND file_sha256 IS NULL AND duration_ms IS NULL)
        OR (file_size_bytes IS NOT NULL AND file_sha256 IS NOT NULL AND duration_ms IS NOT NULL)
    )
);

-- scene_id is covered by uq_video_segments_scene_id_sequence_index (leading column).
CREATE INDEX idx_video_segments_segment_status_id ON video_segments (segment_status_id);

CREATE TRIGGER trg_video_segments_updated_at
    BEFORE UPDATE ON video_segments
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE video_segments IS 'One ordered clip of a scene and its video file. The row exists from the moment the segment is planned (file_path fixed); size, hash and duration are filled in once the file is rendered.';
COMMENT ON COLUMN video_segments.id IS 'Surrogate key.';
COMMENT ON COLUMN video_segments.scene_id IS 'Scene the segment belongs to (scenes.id); deleting the scene deletes its segments (CASCADE). Indexed by uq_video_segments_scene_id_sequence_index.';
COMMENT ON COLUMN video_segments.sequence_index IS 'Position of the segment in its scene, from 0; unique per scene.';
COMMENT ON COLUMN video_segments.segment_status_id IS 'Lifecycle state (segment_statuses.id).';
COMMENT ON COLUMN video_segments.file_path IS 'Path of the video file relative to the storage root (no leading slash, no ".." segment); unique: one row per file.';
COMMENT ON COLUMN video_segments.file_size_bytes IS 'Size of the rendered file in bytes (> 0); NULL until the first render. Set together with file_sha256 and duration_ms.';
COMMENT ON COLUMN video_segments.file_sha256 IS 'SHA-256 of the rendered file, 64 lowercase hex digits; NULL until the first render.';
COMMENT ON COLUMN video_segments.duration_ms IS 'Duration of the rendered clip in milliseconds (> 0); NULL until the first render.';
COMMENT ON COLUMN video_segments.created_at IS 'When the segment was planned.';
COMMENT ON COLUMN video_segments.updated_at IS 'When the row was last updated; maintained by trigger trg_video_segments_updated_at.';

-- workers --------------------------------------------------------------------------------------
CREATE TABLE workers (
    id                BIGSERIAL PRIMARY KEY,
    name              TEXT        NOT NULL,
    worker_status_id  BIGINT      NOT NULL,
    last_heartbeat_at TIMESTAMPTZ NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_workers_name UNIQUE (name),
    CONSTRAINT fk_workers_worker_status_id FOREIGN KEY (worker_status_id)
        REFERENCES worker_statuses (id) ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT ck_workers_name_not_blank CHECK (btrim(name) <> '')
);

CREATE INDEX idx_workers_worker_status_id ON workers (worker_status_id);

CREATE TRIGGER trg_workers_updated_at
    BEFORE UPDATE ON workers
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE workers IS 'Render machines (GPU nodes) that run generation jobs. Deleting a worker leaves its jobs unassigned (generation_jobs.worker_id SET NULL).';
COMMENT ON COLUMN workers.id IS 'Surrogate key.';
COMMENT ON COLUMN workers.name IS 'Worker name (e.g. host name); unique.';
COMMENT ON COLUMN workers.worker_status_id IS 'Availability state (worker_statuses.id).';
COMMENT ON COLUMN workers.last_heartbeat_at IS 'When the worker last reported in; NULL if it never did.';
COMMENT ON COLUMN workers.created_at IS 'When the worker was registered.';
COMMENT ON COLUMN workers.updated_at IS 'When the row was last updated; maintained by trigger trg_workers_updated_at.';

-- generation_jobs ------------------------------------------------------------------------------
CREATE TABLE generation_jobs (
    id                   BIGSERIAL PRIMARY KEY,
    video_segment_id     BIGINT      NOT NULL,
    job_type_id          BIGINT      NOT NULL,
    job_status_id        BIGINT      NOT NULL,
    worker_id            BIGINT      NULL,
    requested_by_user_id BIGINT      NOT NULL,
    priority             SMALLINT    NOT NULL DEFAULT 0,
    attempt_count        SMALLINT    NOT NULL DEFAULT 0,
    started_at           TIMESTAMPTZ NULL,
    finished_at          TIMESTAMPTZ NULL,
    error_message        TEXT        NULL,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT fk_generation_jobs_video_segment_id FOREIGN KEY (video_segment_id)
        REFERENCES video_segments (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    CONSTRAINT fk_generation_jobs_job_type_id FOREIGN KEY (job_type_id)
        REFERENCES job_types (id) ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT fk_generation_jobs_job_status_id FOREIGN KEY (job_status_id)
        REFERENCES job_statuses (id) ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT fk_generation_jobs_worker_id FOREIGN KEY (worker_id)
        REFERENCES workers (id) ON DELETE SET NULL ON UPDATE RESTRICT,
    CONSTRAINT fk_generation_jobs_requested_by_user_id FOREIGN KEY (requested_by_user_id)
        REFERENCES users (id) ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT ck_generation_jobs_priority_range CHECK (priority BETWEEN 0 AND 100),
    CONSTRAINT ck_generation_jobs_attempt_count_non_negative CHECK (attempt_count >= 0),
    CONSTRAINT ck_generation_jobs_finished_after_started
        CHECK (finished_at IS NULL OR started_at IS NULL OR finished_at >= started_at)
);

CREATE INDEX idx_generation_jobs_video_segment_id ON generation_jobs (video_segment_id);
CREATE INDEX idx_generation_jobs_job_type_id ON generation_jobs (job_type_id);
CREATE INDEX idx_generation_jobs_job_status_id ON generation_jobs (job_status_id);
CREATE INDEX idx_generation_jobs_worker_id ON generation_jobs (worker_id);
CREATE INDEX idx_generation_jobs_requested_by_user_id ON generation_jobs (requested_by_user_id);
-- Job queue: workers pick the next pending job (job_statuses id 1 = 'pending', a fixed seeded id)
-- by priority then age. Partial, so it only holds the (few) pending jobs.
CREATE INDEX idx_generation_jobs_priority_created_at ON generation_jobs (priority DESC, created_at)
    WHERE job_status_id = 1;

CREATE TRIGGER trg_generation_jobs_updated_at
    BEFORE UPDATE ON generation_jobs
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE generation_jobs IS 'A request to produce or re-render the file of one video segment, queued for and run by a worker.';
COMMENT ON COLUMN generation_jobs.id IS 'Surrogate key.';
COMMENT ON COLUMN generation_jobs.video_segment_id IS 'Segment the job produces or re-renders (video_segments.id); deleting the segment deletes its jobs (CASCADE).';
COMMENT ON COLUMN generation_jobs.job_type_id IS 'Kind of job, produce or re-render (job_types.id).';
COMMENT ON COLUMN generation_jobs.job_status_id IS 'Lifecycle state (job_statuses.id); id 1 (pending) feeds the partial queue index idx_generation_jobs_priority_created_at.';
COMMENT ON COLUMN generation_jobs.worker_id IS 'Worker running or having run the job (workers.id); NULL while unassigned or after the worker was deleted (SET NULL).';
COMMENT ON COLUMN generation_jobs.requested_by_user_id IS 'User who requested the job (users.id); such a user cannot be deleted (RESTRICT).';
COMMENT ON COLUMN generation_jobs.priority IS 'Queue priority from 0 (lowest, default) to 100; higher runs first.';
COMMENT ON COLUMN generation_jobs.attempt_count IS 'How many times a worker has started this job (>= 0).';
COMMENT ON COLUMN generation_jobs.started_at IS 'When a worker last started the job; NULL if never started.';
COMMENT ON COLUMN generation_jobs.finished_at IS 'When the job finished (succeeded, failed or cancelled); NULL while not finished. Never before started_at.';
COMMENT ON COLUMN generation_jobs.error_message IS 'Error reported by the worker for a failed job; NULL otherwise.';
COMMENT ON COLUMN generation_jobs.created_at IS 'When the job was requested (queue age).';
COMMENT ON COLUMN generation_jobs.updated_at IS 'When the row was last updated; maintained by trigger trg_generation_jobs_updated_at.';

-- segment_approvals ----------------------------------------------------------------------------
CREATE TABLE segment_approvals (
    id                 BIGSERIAL PRIMARY KEY,
    video_segment_id   BIGINT      NOT NULL,
    reviewer_user_id   BIGINT      NOT NULL,
    approval_status_id BIGINT      NOT NULL,
    comment            TEXT        NULL,
    decided_at         TIMESTAMPTZ NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT fk_segment_approvals_video_segment_id FOREIGN KEY (video_segment_id)
        REFERENCES video_segments (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    CONSTRAINT fk_segment_approvals_reviewer_user_id FOREIGN KEY (reviewer_user_id)
        REFERENCES users (id) ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT fk_segment_approvals_approval_status_id FOREIGN KEY (approval_status_id)
        REFERENCES approval_statuses (id) ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT ck_segment_approvals_comment_not_blank CHECK (comment IS NULL OR btrim(comment) <> '')
);

CREATE INDEX idx_segment_approvals_video_segment_id ON segment_approvals (video_segment_id);
CREATE INDEX idx_segment_approvals_reviewer_user_id ON segment_approvals (reviewer_user_id);
CREATE INDEX idx_segment_approvals_approval_status_id ON segment_approvals (approval_status_id);
-- Review inbox: a reviewer's undecided approvals (approval_statuses id 1 = 'pending'), oldest first.
CREATE INDEX idx_segment_approvals_reviewer_user_id_created_at
    ON segment_approvals (reviewer_user_id, created_at)
    WHERE approval_status_id = 1;

CREATE TRIGGER trg_segment_approvals_updated_at
    BEFORE UPDATE ON segment_approvals
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE segment_approvals IS 'A reviewer''s decision (or pending request for one) on a video segment; several rows per segment form its review history.';
COMMENT ON COLUMN segment_approvals.id IS 'Surrogate key.';
COMMENT ON COLUMN segment_approvals.video_segment_id IS 'Segment under review (video_segments.id); deleting the segment deletes its approvals (CASCADE).';
COMMENT ON COLUMN segment_approvals.reviewer_user_id IS 'Reviewer asked to decide (users.id); a user with approvals cannot be deleted (RESTRICT), keeping the audit trail.';
COMMENT ON COLUMN segment_approvals.approval_status_id IS 'Decision state (approval_statuses.id); id 1 (pending) feeds the partial inbox index idx_segment_approvals_reviewer_user_id_created_at.';
COMMENT ON COLUMN segment_approvals.comment IS 'Reviewer''s optional remark, e.g. the changes requested; NULL when none (never blank).';
COMMENT ON COLUMN segment_approvals.decided_at IS 'When the reviewer decided; NULL while pending.';
COMMENT ON COLUMN segment_approvals.created_at IS 'When the review was requested.';
COMMENT ON COLUMN segment_approvals.updated_at IS 'When the row was last updated; maintained by trigger trg_segment_approvals_updated_at.';
