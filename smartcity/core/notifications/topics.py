"""The topic registry: which kinds of notification exist and what reaches a user by default.

Apps register their topics once, in ``AppConfig.ready()``::

    register_topic("concerns.answered", _("Answers to my concerns"),
                   _("When a department answers a concern you reported."))

A topic is code, not data: the registry lives in memory, notifications store the slug.
"""

import re
from dataclasses import dataclass

EMAIL = "email"
WEBPUSH = "webpush"
INAPP = "inapp"
CHANNELS = (INAPP, EMAIL, WEBPUSH)
# In-app messages are the record every other channel points to, so they cannot be switched
# off; the channels below are the ones a user chooses.
OPTIONAL_CHANNELS = (EMAIL, WEBPUSH)

SLUG_MAX_LENGTH = 50
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


@dataclass(frozen=True)
class Topic:
    slug: str
    label: str
    description: str
    default_channels: frozenset[str]
    staff_only: bool = False  # offered to organisation members and platform admins only


_topics: dict[str, Topic] = {}


def register_topic(
    slug: str, label, description="", default_channels=(EMAIL, WEBPUSH), *, staff_only=False
) -> Topic:
    """Register a topic; ``default_channels`` are on for users who have not chosen.

    ``label`` and ``description`` should be lazy translations (gettext_lazy). Web Push is only
    ever on by default for users who have enabled it in a browser. Registering the same slug
    again with the same definition is harmless; a different definition is an error.
    """
    if len(slug) > SLUG_MAX_LENGTH or not _SLUG.match(slug):
        raise ValueError(
            f"topic slug {slug!r} must be lower-case letters, digits, '.', '_' or '-' "
            f"(at most {SLUG_MAX_LENGTH} characters)"
        )
    channels = frozenset(default_channels) | {INAPP}
    unknown = channels - set(CHANNELS)
    if unknown:
        raise ValueError(f"unknown channel(s) {sorted(unknown)}; expected some of {CHANNELS}")
    topic = Topic(slug, label, description, channels, staff_only)
    existing = _topics.get(slug)
    if existing is not None and existing != topic:
        raise ValueError(f"topic {slug!r} is already registered with a different definition")
    _topics[slug] = topic
    return topic


def get_topic(slug: str) -> Topic:
    try:
        return _topics[slug]
    except KeyError:
        raise ValueError(
            f"unknown notification topic {slug!r}; register it with register_topic()"
        ) from None


def all_topics(*, include_staff_only: bool = True) -> list[Topic]:
    """Registered topics, "platform" first, then by slug."""
    topics = [t for t in _topics.values() if include_staff_only or not t.staff_only]
    return sorted(topics, key=lambda t: (t.slug != "platform", t.slug))


def check_channels(channels) -> frozenset[str]:
    chosen = frozenset(channels)
    unknown = chosen - set(CHANNELS)
    if unknown:
        raise ValueError(f"unknown channel(s) {sorted(unknown)}; expected some of {CHANNELS}")
    return chosen
