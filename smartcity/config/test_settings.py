"""Settings for the test suite: the same platform, with fast hashing and inline tasks.

The task queue runs tasks inline so that a test sees their effect; the database queue
itself is tested in tests/core/test_tasks.py with a real worker run.
"""

import os
import tempfile

os.environ.setdefault("SMARTCITY_ENV", "test")
os.environ.setdefault("TASKS_BACKEND", "immediate")

from smartcity.config.settings import *  # noqa: F403
from smartcity.config.settings import TASKS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="smartcity-test-media-")
TASKS["database"] = {"BACKEND": "django_tasks_db.DatabaseBackend"}
ALLOWED_HOSTS = ["*"]
DEBUG = False
