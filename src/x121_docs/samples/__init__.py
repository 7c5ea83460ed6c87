"""Sample data for notebooks and demos: the sample project and seeded random embeddings.

Loaded into a scratch database after the migrations, never into a real one.  Everything is
deterministic (explicit ids, fixed random seeds) so notebook outputs are stable.
"""

from .project import SAMPLE_PROJECT_SQL, load_sample_project
from .vectors import VectorSample, load_face_embeddings

__all__ = ["SAMPLE_PROJECT_SQL", "VectorSample", "load_face_embeddings", "load_sample_project"]
