-- Migration 20260218120200: embedding models and the pgvector embedding tables.
--
-- embedding_models records which model produced an embedding; character_face_embeddings and
-- video_segment_embeddings hold one 512-dimension vector per (image or segment, model), with an
-- HNSW index (vector_cosine_ops) for cosine-similarity search. Index strategy and the measured
-- figures behind these parameters: SCHEMA_CONVENTIONS.md and bench/RESULTS.md.
-- Needs the vector extension, which bootstrap installs (migrations never create extensions).
-- Forward-only; runs as one transaction (the tables are new and empty, so no CONCURRENTLY).

-- embedding_models -----------------------------------------------------------------------------
CREATE TABLE embedding_models (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT        NOT NULL,
    dimension   SMALLINT    NOT NULL,
    description TEXT        NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_embedding_models_name UNIQUE (name),
    CONSTRAINT ck_embedding_models_name_not_blank CHECK (btrim(name) <> ''),
    -- 16000 is pgvector's maximum dimension for the vector type.
    CONSTRAINT ck_embedding_models_dimension_range CHECK (dimension BETWEEN 1 AND 16000)
);

CREATE TRIGGER trg_embedding_models_updated_at
    BEFORE UPDATE ON embedding_models
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE embedding_models IS 'Models (name and version) that produce embeddings; every embedding row records its model, so vectors of different models are never compared. A model still referenced by an embedding cannot be deleted (RESTRICT).';
COMMENT ON COLUMN embedding_models.id IS 'Surrogate key.';
COMMENT ON COLUMN embedding_models.name IS 'Model name including its version, e.g. a face-recognition network and checkpoint; unique.';
COMMENT ON COLUMN embedding_models.dimension IS 'Number of dimensions of the vectors the model outputs (1..16000); the embedding tables of this schema store 512.';
COMMENT ON COLUMN embedding_models.description IS 'Optional notes: source, preprocessing, licence; NULL when none.';
COMMENT ON COLUMN embedding_models.created_at IS 'When the model was registered.';
COMMENT ON COLUMN embedding_models.updated_at IS 'When the row was last updated; maintained by trigger trg_embedding_models_updated_at.';

-- character_face_embeddings --------------------------------------------------------------------
CREATE TABLE character_face_embeddings (
    id                 BIGSERIAL PRIMARY KEY,
    character_image_id BIGINT      NOT NULL,
    embedding_model_id BIGINT      NOT NULL,
    embedding          vector(512) NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Full name uq_character_face_embeddings_character_image_id_embedding_model_id is 66 bytes:
    -- shortened to its first 54 bytes + '_' + first 8 hex digits of its SHA-256 (63 bytes).
    CONSTRAINT uq_character_face_embeddings_character_image_id_embedd_0a1af958
        UNIQUE (character_image_id, embedding_model_id),
    CONSTRAINT fk_character_face_embeddings_character_image_id FOREIGN KEY (character_image_id)
        REFERENCES character_images (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    CONSTRAINT fk_character_face_embeddings_embedding_model_id FOREIGN KEY (embedding_model_id)
        REFERENCES embedding_models (id) ON DELETE RESTRICT ON UPDATE RESTRICT
);

-- character_image_id is covered by the unique constraint above (leading column).
CREATE INDEX idx_character_face_embeddings_embedding_model_id
    ON character_face_embeddings (embedding_model_id);
-- Approximate nearest-neighbour search by cosine distance (ORDER BY embedding <=> $1 LIMIT k).
CREATE INDEX idx_character_face_embeddings_embedding
    ON character_face_embeddings USING hnsw (embedding vector_cosine_ops)
    WITH (m = 16, ef_construction = 64);

CREATE TRIGGER trg_character_face_embeddings_updated_at
    BEFORE UPDATE ON character_face_embeddings
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE character_face_embeddings IS 'Face embedding of a character reference image, one per (image, model); used to find a character by likeness and to check generated faces.';
COMMENT ON COLUMN character_face_embeddings.id IS 'Surrogate key.';
COMMENT ON COLUMN character_face_embeddings.character_image_id IS 'Image the face was taken from (character_images.id); deleting the image deletes its embeddings (CASCADE). Indexed by the unique constraint on (character_image_id, embedding_model_id).';
COMMENT ON COLUMN character_face_embeddings.embedding_model_id IS 'Model that computed the vector (embedding_models.id); a model in use cannot be deleted (RESTRICT).';
COMMENT ON COLUMN character_face_embeddings.embedding IS 'The 512-dimension face embedding; compare with cosine distance (<=>), served by HNSW index idx_character_face_embeddings_embedding.';
COMMENT ON COLUMN character_face_embeddings.created_at IS 'When the embedding was computed.';
COMMENT ON COLUMN character_face_embeddings.updated_at IS 'When the row was last updated; maintained by trigger trg_character_face_embeddings_updated_at.';

-- video_segment_embeddings ---------------------------------------------------------------------
CREATE TABLE video_segment_embeddings (
    id                 BIGSERIAL PRIMARY KEY,
    video_segment_id   BIGINT      NOT NULL,
    embedding_model_id BIGINT      NOT NULL,
    embedding          vector(512) NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Exactly 63 bytes: the longest name that needs no shortening.
    CONSTRAINT uq_video_segment_embeddings_video_segment_id_embedding_model_id
        UNIQUE (video_segment_id, embedding_model_id),
    CONSTRAINT fk_video_segment_embeddings_video_segment_id FOREIGN KEY (video_segment_id)
        REFERENCES video_segments (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    CONSTRAINT fk_video_segment_embeddings_embedding_model_id FOREIGN KEY (embedding_model_id)
        REFERENCES embedding_models (id) ON DELETE RESTRICT ON UPDATE RESTRICT
);

-- video_segment_id is covered by the unique constraint above (leading column).
CREATE INDEX idx_video_segment_embeddings_embedding_model_id
    ON video_segment_embeddings (embedding_model_id);
CREATE INDEX idx_video_segment_embeddings_embedding
    ON video_segment_embeddings USING hnsw (embedding vector_cosine_ops)
    WITH (m = 16, ef_construction = 64);

CREATE TRIGGER trg_video_segment_embeddings_updated_at
    BEFORE UPDATE ON video_segment_embeddings
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

COMMENT ON TABLE video_segment_embeddings IS 'Visual embedding of a video segment, one per (segment, model); used for visual similarity search across segments.';
COMMENT ON COLUMN video_segment_embeddings.id IS 'Surrogate key.';
COMMENT ON COLUMN video_segment_embeddings.video_segment_id IS 'Segment the vector describes (video_segments.id); deleting the segment deletes its embeddings (CASCADE). Indexed by the unique constraint on (video_segment_id, embedding_model_id).';
COMMENT ON COLUMN video_segment_embeddings.embedding_model_id IS 'Model that computed the vector (embedding_models.id); a model in use cannot be deleted (RESTRICT).';
COMMENT ON COLUMN video_segment_embeddings.embedding IS 'The 512-dimension visual embedding; compare with cosine distance (<=>), served by HNSW index idx_video_segment_embeddings_embedding.';
COMMENT ON COLUMN video_segment_embeddings.created_at IS 'When the embedding was computed.';
COMMENT ON COLUMN video_segment_embeddings.updated_at IS 'When the row was last updated; maintained by trigger trg_video_segment_embeddings_updated_at.';
