import pytest

from smartcity.core.accounts.models import Membership, Organisation, User

PASSWORD = "correct-horse-battery-9"


def make_user(email, *, superuser=False, **extra):
    if superuser:
        user = User.objects.create_superuser(email=email, password=PASSWORD, **extra)
    else:
        user = User.objects.create_user(email=email, password=PASSWORD, **extra)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def department(db):
    return Organisation.objects.create(
        name="Umweltamt", short_name="UA", slug="ua", kind=Organisation.Kind.DEPARTMENT
    )


@pytest.fixture
def other_department(db):
    return Organisation.objects.create(
        name="Straßen- und Tiefbauamt",
        short_name="STA",
        slug="sta",
        kind=Organisation.Kind.DEPARTMENT,
    )


@pytest.fixture
def citizen(db):
    return make_user("citizen@example.org")


@pytest.fixture
def staff(department):
    user = make_user("staff@example.org")
    Membership.objects.create(user=user, organisation=department, role=Membership.Role.STAFF)
    return user


@pytest.fixture
def department_admin(department):
    user = make_user("head@example.org")
    Membership.objects.create(user=user, organisation=department, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def platform_admin(db):
    return make_user("admin@example.org", superuser=True)


@pytest.fixture
def users(citizen, staff, department_admin, platform_admin):
    """Every role, keyed by its name; anonymous is None."""
    return {
        "anonymous": None,
        "citizen": citizen,
        "staff": staff,
        "department_admin": department_admin,
        "platform_admin": platform_admin,
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _requests_keep_the_test_connection():
    """WSGI calls made outside Django's test client (schemathesis) must not close the
    test's database connection at the end of each request, just as the test client
    arranges for its own requests; on PostgreSQL that would end the test's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
