"""Shared fixtures: tiny hand-made city, fresh stores on SQLite and (where a server answers) PostgreSQL."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from waste.load import load_city_files
from waste.reference import CityFiles
from waste.store import Store, open_store

DATA = Path(__file__).parent / "data"
#: The local PostgreSQL server of the development and CI machines (trust authentication, database ``test``).
DEFAULT_TEST_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("WASTE_SHARED_DATA", PROJECT_ROOT.parent / "shared"))


def tcp_answers(host: str, port: int, timeout_s: float = 1.0) -> bool:
    """Whether something accepts TCP connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def postgres_url() -> str:
    """URL of the PostgreSQL database the tests may use."""
    return os.environ.get("WASTE_TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)


@pytest.fixture(scope="session")
def tiny_city_files() -> CityFiles:
    """A four-bin city: two depots/disposal sites, bins of three kinds, one truck type (``tests/data/tiny_city``)."""
    return CityFiles.in_folder(DATA / "tiny_city")


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """An empty store in a fresh SQLite file."""
    store = open_store(f"sqlite:///{tmp_path / 'waste.sqlite'}")
    yield store
    store.dispose()


@pytest.fixture
def postgres_store() -> Iterator[Store]:
    """An empty store in a fresh schema of the test PostgreSQL database, dropped afterwards."""
    pytest.importorskip("psycopg", reason="the postgres extra (psycopg) is not installed")
    url = postgres_url()
    parts = urlparse(url.replace("+psycopg", ""))
    if not tcp_answers(parts.hostname or "127.0.0.1", parts.port or 5432):
        pytest.skip(f"no PostgreSQL server answers at {parts.hostname}:{parts.port or 5432}")
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    store = open_store(f"{url}{separator}options=-csearch_path%3D{schema}")
    try:
        yield store
    finally:
        store.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Store:
    """An empty store, once on SQLite and once on PostgreSQL: the same tests run on both."""
    return request.getfixturevalue(f"{request.param}_store")


@pytest.fixture
def tiny_store(store: Store, tiny_city_files: CityFiles) -> Store:
    """A store holding the tiny city, on each back end."""
    load_city_files(store, "tiny", tiny_city_files)
    return store


@pytest.fixture
def tiny_sqlite_store(sqlite_store: Store, tiny_city_files: CityFiles) -> Store:
    """A SQLite store holding the tiny city."""
    load_city_files(sqlite_store, "tiny", tiny_city_files)
    return sqlite_store
