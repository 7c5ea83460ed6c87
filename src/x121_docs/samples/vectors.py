"""Seeded random embeddings that look like real ones: points scattered around a few centres.

Real face embeddings cluster (one cluster per person), and that is what makes approximate
search meaningful; uniform noise would make every neighbour equally far.  Pure Python with a
fixed seed, so the same seed gives the same vectors on every machine (no numpy needed).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from ..database.vectors import as_vector, with_vectors

FACE_TABLE = "character_face_embeddings"


def _unit(values: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


@dataclass
class VectorSample:
    """`clusters` random centres in `dim` dimensions; points are centre + gaussian noise, unit length."""

    dim: int = 512
    clusters: int = 20
    spread: float = 0.6
    seed: int = 121
    _rng: random.Random = field(init=False, repr=False)
    _centres: list[list[float]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._centres = [[self._rng.gauss(0, 1) for _ in range(self.dim)] for _ in range(self.clusters)]

    def point(self) -> list[float]:
        centre = self._centres[self._rng.randrange(self.clusters)]
        return _unit([c + self._rng.gauss(0, self.spread) for c in centre])

    def points(self, n: int) -> list[list[float]]:
        return [self.point() for _ in range(n)]


def load_face_embeddings(conn: psycopg.Connection, vectors: list[list[float]], *, character_id: int = 1,
                         model_id: int = 1, first_id: int = 1001) -> int:
    """One reference image per vector (for `character_id`) and its face embedding, loaded with COPY.

    Needs the sample project (its character and embedding model).  Returns the rows loaded.
    """
    n = len(vectors)
    with_vectors(conn)
    with conn.transaction():
        conn.execute(
            "INSERT INTO character_images (id, character_id, file_path, file_size_bytes, file_sha256) "
            "SELECT i, %s, format('images/sample/%%s.png', i), 100000 + i, "
            "       encode(sha256(convert_to(i::text, 'UTF8')), 'hex') "
            "FROM generate_series(%s::bigint, %s::bigint) AS i",
            (character_id, first_id, first_id + n - 1))
        copy_sql = sql.SQL("COPY {} (character_image_id, embedding_model_id, embedding) FROM STDIN").format(
            sql.Identifier(FACE_TABLE))
        with conn.cursor().copy(copy_sql) as copy:
            for i, v in enumerate(vectors):
                copy.write_row((first_id + i, model_id, as_vector(v)))
    return n
