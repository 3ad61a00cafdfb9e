"""Who may write what through the SensorThings service (``smartcity.sensors.access``).

Reading follows ``visible`` (private Things only for their organisation's members and
platform admins; a token does not widen what is read). A write needs a token or a
signed-in user and is checked with ``may_write`` on every Thing it touches: the Thing of
the entity written (an Observation's is its stream's Thing), the Things of entities it
links in (``{"@iot.id": n}`` to a Thing, Datastream, Observation, ...), and
``may_write(..., None)`` for each new Thing. Sensors, ObservedProperties,
FeaturesOfInterest and Locations of no Thing belong to no one Thing: writing them needs a
platform or organisation token, a platform admin or a staff member, who must moreover be
allowed to change every Thing that uses them. A write to an entity the caller cannot see
answers 404, as if it did not exist.

A write handler collects what it needs in :class:`Needs` (:func:`walk` reads a body) and
calls :func:`check` once, before it writes. Things created while
:func:`collecting_new_things` runs are listed, so that they can be given the caller's
organisation (:attr:`Caller.organisation`).
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db.models import Q
from django.db.models.signals import post_save
from django.utils.translation import gettext as _

from smartcity.core.permissions import (
    is_authenticated,
    is_city_staff,
    is_platform_admin,
    organisation_ids,
)
from smartcity.sensors import access
from smartcity.sensors import models as m
from smartcity.sensors.sta.calls import Problem
from smartcity.sensors.sta.entities import BY_MODEL, ENTITY_SETS, EntitySet
from smartcity.sensors.sta.lookup import can_see, existing

CHALLENGE = 'Basic realm="SensorThings", Bearer'
# Entities that belong to exactly the Things found by _things_of.
OWNED = (m.Thing, m.Datastream, m.MultiDatastream, m.Observation, m.HistoricalLocation)
# Entities shared by any number of Things.
SHARED = (m.Sensor, m.ObservedProperty, m.FeatureOfInterest)


@dataclass
class Caller:
    user: object
    token: m.SensorToken | None = None

    @property
    def known(self) -> bool:
        return self.token is not None or is_authenticated(self.user)

    @property
    def who(self) -> str:
        return _("This token") if self.token is not None else _("You")

    @property
    def may_write_shared(self) -> bool:
        if self.token is not None:
            return self.token.scope in ("platform", "organisation")
        return is_city_staff(self.user)

    @property
    def organisation(self) -> int | None:
        """The organisation a Thing created by this caller belongs to, so that the caller
        may go on changing it: the token's, or the member's (the lowest id when several)."""
        if self.token is not None:
            return self.token.organisation_id
        if is_platform_admin(self.user):
            return None
        organisations = sorted(organisation_ids(self.user))
        return organisations[0] if organisations else None


def label(entity) -> str:
    """How the standard names one entity: ``Things(5)``."""
    return f"{BY_MODEL[type(entity)].name}({entity.pk})"


# --- which Things a write touches --------------------------------------------------------


def _things_of(entity) -> list[m.Thing]:
    """The Things whose data ``entity`` is, or (shared entities) which use it."""
    if isinstance(entity, m.Thing):
        return [entity]
    if isinstance(entity, m.Datastream | m.MultiDatastream | m.HistoricalLocation):
        return [entity.thing]
    if isinstance(entity, m.Observation):
        stream = entity.datastream or entity.multi_datastream
        return [stream.thing] if stream is not None else []
    if isinstance(entity, m.Location):
        return list(entity.things.all())
    if isinstance(entity, m.Sensor | m.ObservedProperty):
        users = Q(pk__in=entity.datastreams.values("thing")) | Q(
            pk__in=entity.multi_datastreams.values("thing")
        )
    else:
        users = Q(
            pk__in=m.Datastream.objects.filter(observations__feature_of_interest=entity).values(
                "thing"
            )
        ) | Q(
            pk__in=m.MultiDatastream.objects.filter(
                observations__feature_of_interest=entity
            ).values("thing")
        )
    return list(m.Thing.objects.filter(users))


@dataclass
class Needs:
    """What a write needs the caller to be allowed: collected, then checked at once."""

    targets: dict[int, m.Thing] = field(default_factory=dict)  # Things written directly
    links: dict[int, tuple[str, m.Thing]] = field(default_factory=dict)  # via linked entities
    users: dict[int, tuple[str, m.Thing]] = field(default_factory=dict)  # of shared entities
    others: dict[str, object] = field(default_factory=dict)  # linked, of no single Thing
    new_thing: bool = False
    shared: str | None = None  # label of a shared entity written

    def entity(self, entity) -> None:
        """Writing ``entity`` itself (update, delete, a link it holds)."""
        if isinstance(entity, SHARED) or (
            isinstance(entity, m.Location) and not entity.things.exists()
        ):
            self.shared = label(entity)
            for thing in _things_of(entity):
                self.users[thing.pk] = (label(entity), thing)
        else:
            for thing in _things_of(entity):
                self.targets[thing.pk] = thing

    def link(self, entity) -> None:
        """Linking ``entity`` in: a change of its Things' data if it belongs to a Thing;
        otherwise (a Location, Sensor, ...) it must at least be one the caller can see."""
        if isinstance(entity, OWNED):
            for thing in _things_of(entity):
                self.links.setdefault(thing.pk, (label(entity), thing))
        else:
            self.others[label(entity)] = entity


def walk(entity_set: EntitySet, payload, needs: Needs, *, new: bool) -> None:
    """Collect the new Things and linked entities of a (deep) create or update body.

    Malformed parts are skipped: the write service refuses them with a precise message.
    """
    if not isinstance(payload, dict):
        return
    if new and entity_set.model is m.Thing:
        needs.new_thing = True
    for key, value in payload.items():
        nav = entity_set.nav(key)
        if nav is None:
            continue
        target = ENTITY_SETS[nav.target]
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and "@iot.id" in item:
                linked = existing(target, item["@iot.id"])
                if linked is not None:
                    needs.link(linked)
            else:
                walk(target, item, needs, new=True)


# --- the check ---------------------------------------------------------------------------


def check(caller: Caller, needs: Needs, chain: list) -> None:
    """Refuse the write unless every need is met: 403, or 404 where the caller cannot
    even see an entity the path names (``chain``), or 400 for a linked entity it cannot
    see (as the write path answers a link to an entity that does not exist)."""
    user, token, who = caller.user, caller.token, caller.who

    def may(thing) -> bool:
        return access.may_write(user, token, thing)

    denial = hidden_link = None
    if needs.new_thing and not may(None):
        denial = _("%(who)s may not create Things") % {"who": who}
    elif needs.shared is not None and not caller.may_write_shared:
        denial = _(
            "%(who)s may not change %(entity)s: Sensors, ObservedProperties, "
            "FeaturesOfInterest and Locations of no Thing are shared; changing them needs "
            "a platform or organisation token or staff membership"
        ) % {"who": who, "entity": needs.shared}
    denied_targets = [thing for thing in needs.targets.values() if not may(thing)]
    denied_links = [(name, t) for name, t in needs.links.values() if not may(t)]
    denied_users = [name for name, thing in needs.users.values() if not may(thing)]
    if denial is None and denied_targets:
        denial = _("%(who)s may not change %(thing)s") % {
            "who": who,
            "thing": label(denied_targets[0]),
        }
    if denial is None and denied_links:
        name, thing = denied_links[0]
        if not can_see(user, thing):
            hidden_link = name
        elif name == label(thing):
            denial = _("%(who)s may not change %(thing)s") % {"who": who, "thing": name}
        else:
            denial = _("%(who)s may not change %(thing)s, which %(entity)s belongs to") % {
                "who": who,
                "thing": label(thing),
                "entity": name,
            }
    if denial is None and hidden_link is None:
        # Linking a Location or Sensor only private Things use would show it to all who
        # see the linking Thing: it needs to be visible, or all its users writable.
        hidden_link = next(
            (
                name
                for name, entity in needs.others.items()
                if not can_see(user, entity)
                and not ((users := _things_of(entity)) and all(may(t) for t in users))
            ),
            None,
        )
    if denial is None and denied_users:
        denial = _("%(who)s may not change %(entity)s: it is used by Things you may not change") % {
            "who": who,
            "entity": denied_users[0],
        }
    if denial is None and hidden_link is None:
        return
    hidden = next((entity for entity in chain if not can_see(user, entity)), None)
    if hidden is not None:
        raise Problem(404, _("%(entity)s does not exist") % {"entity": label(hidden)})
    if hidden_link is not None:
        raise Problem(400, _("%(entity)s does not exist") % {"entity": hidden_link})
    raise Problem(403, denial)


# --- Things created in a request get the caller's organisation ---------------------------

_new_things: ContextVar[list | None] = ContextVar("sta_new_things", default=None)


def _collect_new_thing(sender, instance, created, raw=False, **kwargs):
    collected = _new_things.get()
    if created and not raw and collected is not None:
        collected.append(instance.pk)


post_save.connect(_collect_new_thing, sender=m.Thing, dispatch_uid="sta-new-things")


@contextmanager
def collecting_new_things():
    """The ids of the Things created (by this thread or task) while it runs."""
    collected: list[int] = []
    marker = _new_things.set(collected)
    try:
        yield collected
    finally:
        _new_things.reset(marker)
