from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from smartcity.core.geography import geo


class Area(models.Model):
    """The city boundary, a Stadtbezirk (city district) or an Ortschaft (locality).

    ``geometry`` is a GeoJSON Polygon or MultiPolygon in WGS84 lon/lat (RFC 7946); the
    platform runs on SQLite as well as PostgreSQL, so it is JSON, not a PostGIS column.
    ``area_km2`` is computed from it on every save (grid area in EPSG:25833).
    """

    class Kind(models.TextChoices):
        CITY = "city", _("city")
        STADTBEZIRK = "stadtbezirk", _("city district (Stadtbezirk)")
        ORTSCHAFT = "ortschaft", _("locality (Ortschaft)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    code = models.CharField(_("official code"), max_length=20, blank=True)
    geometry = models.JSONField(
        _("geometry"),
        help_text=_("GeoJSON Polygon or MultiPolygon in WGS84 (longitude, latitude)."),
    )
    is_demo = models.BooleanField(
        _("approximate demo geometry"),
        default=False,
        help_text=_("Drawn for demonstration; not the official boundary."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    area_km2 = models.FloatField(_("area in km²"), editable=False, default=0.0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["kind", "code", "name"]
        indexes = [models.Index(fields=["kind"])]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    def save(self, *args, **kwargs):
        self.area_km2 = geo.area_km2(self.geometry)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "geometry" in update_fields:
            kwargs["update_fields"] = {*update_fields, "area_km2", "updated_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("geography:detail", args=[self.slug])

    def clean(self):
        super().clean()
        try:
            self.geometry = geo.validate_geometry(self.geometry)
        except ValueError as exc:
            raise ValidationError({"geometry": str(exc)}) from exc
