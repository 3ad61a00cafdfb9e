import pytest
from django.core.files.storage import default_storage


@pytest.fixture(autouse=True)
def memory_storage(settings):
    """Uploads go to Django's in-memory storage: it has no local path, like S3."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    return default_storage


def read_stored(storage, name: str) -> bytes:
    with storage.open(name, "rb") as stored:
        return stored.read()
