from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessibilityFeedback(models.Model):
    """A report of a barrier on the platform (BITV 2.0 § 7 feedback mechanism)."""

    page_url = models.CharField(_("page"), max_length=500, blank=True)
    description = models.TextField(_("description of the barrier"), max_length=5000)
    name = models.CharField(_("name"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail address for a reply"), blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    handled = models.BooleanField(_("handled"), default=False)

    class Meta:
        verbose_name = _("accessibility feedback")
        verbose_name_plural = _("accessibility feedback")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d} {self.description[:60]}"


class ScheduledRun(models.Model):
    """One claimed time slot of a periodic job (see smartcity.core.schedule)."""

    job = models.CharField(max_length=100)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="unique_job_slot")]

    def __str__(self):
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"
