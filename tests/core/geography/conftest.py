import pytest

from smartcity.core.geography import demo


@pytest.fixture
def demo_areas(db):
    """The Dresden demo areas, loaded the way `smartcity demo` loads them."""
    return demo.load()
