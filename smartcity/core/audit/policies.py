from smartcity.core.permissions import Policy


class AuditPolicy(Policy):
    """Only platform admins read the audit log, and nobody may change or delete it."""

    platform_admin_may = ("view",)
