-- A small, readable sample of the platform's data for notebooks and demos (never for production).
-- Two users, one project with two characters; Ava has reference images, two scenes, three video
-- segments with generation jobs, approvals and embeddings; a worker and an embedding model.
-- Explicit ids keep outputs stable; each sequence is moved past them so later INSERTs work.

INSERT INTO users (id, email, display_name, role_id) VALUES
    (1, 'ann@example.com', 'Ann', 2),
    (2, 'rex@example.com', 'Rex', 3);

INSERT INTO projects (id, name, description, project_status_id, created_by_user_id) VALUES
    (1, 'Demo', 'Sample project of the notebooks', 2, 1);

INSERT INTO characters (id, project_id, name, description, character_status_id) VALUES
    (1, 1, 'Ava', 'Lead character', 2),
    (2, 1, 'Ben', 'Supporting character', 1);

INSERT INTO character_images (id, character_id, file_path, file_size_bytes, file_sha256) VALUES
    (1, 1, 'images/ava/front.png', 183211, repeat('a1', 32)),
    (2, 1, 'images/ava/side.png', 179034, repeat('a2', 32)),
    (3, 2, 'images/ben/front.png', 190288, repeat('b1', 32));

INSERT INTO scene_types (id, name, label, description, sort_order) VALUES
    (1, 'idle', 'Idle', 'A short idle loop', 10),
    (2, 'dance', 'Dance', 'A dance sequence', 20);

INSERT INTO scenes (id, character_id, name, scene_type_id, scene_status_id) VALUES
    (1, 1, 'Intro', 1, 3),
    (2, 1, 'Party', 2, 2);

INSERT INTO video_segments (id, scene_id, sequence_index, segment_status_id, file_path, file_size_bytes,
                            file_sha256, duration_ms) VALUES
    (1, 1, 0, 3, 'segments/ava/intro-0.mp4', 5242880, repeat('c1', 32), 4000),
    (2, 1, 1, 4, 'segments/ava/intro-1.mp4', 5011210, repeat('c2', 32), 4000),
    (3, 2, 0, 1, 'segments/ava/party-0.mp4', NULL, NULL, NULL);

INSERT INTO workers (id, name, worker_status_id) VALUES
    (1, 'gpu-1', 1);

INSERT INTO generation_jobs (id, video_segment_id, job_type_id, job_status_id, worker_id, requested_by_user_id,
                             priority, attempt_count) VALUES
    (1, 1, 1, 3, 1, 1, 10, 1),
    (2, 2, 1, 3, 1, 1, 10, 1),
    (3, 3, 1, 1, NULL, 1, 20, 0);

INSERT INTO segment_approvals (id, video_segment_id, reviewer_user_id, approval_status_id, comment) VALUES
    (1, 1, 2, 1, NULL),
    (2, 2, 2, 2, 'Looks good');

INSERT INTO embedding_models (id, name, dimension, description) VALUES
    (1, 'face-demo-v1', 512, 'Sample face embedding model');

SELECT setval(pg_get_serial_sequence(t, 'id'), 100)
FROM unnest(ARRAY['users', 'projects', 'characters', 'character_images', 'scene_types', 'scenes',
                  'video_segments', 'workers', 'generation_jobs', 'segment_approvals', 'embedding_models']) AS t;
