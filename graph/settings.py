"""Settings from the environment (and an optional ``.env``), read once per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Where Neo4j is and how the embedded one runs.

    With ``NEO4J_URI`` unset the project starts its own Neo4j (``kg db start``) and reads the
    generated password from ``var/neo4j/password``. With ``NEO4J_URI`` set it uses that server
    and never starts one.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str | None = None
    neo4j_database: str = "neo4j"

    # The embedded server
    kg_var_dir: Path = Field(default=REPO_ROOT / "var")
    kg_neo4j_port: int = 7687
    kg_neo4j_heap: str = "1g"
    kg_neo4j_pagecache: str = "512m"
    kg_neo4j_start_timeout: float = 180.0
    # Server-side limit for one transaction run by the API or a query (seconds).
    kg_query_timeout: float = 30.0
    # Worker processes of `kg serve` (it sets this for its workers): limits meant for the whole
    # server (failed credentials, expensive reads) are split among them.
    kg_api_workers: int = Field(default=1, ge=1, le=64)

    @property
    def embedded(self) -> bool:
        return not self.neo4j_uri

    @property
    def neo4j_home(self) -> Path:
        return self.kg_var_dir / "neo4j"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
