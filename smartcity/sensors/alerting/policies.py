"""Who may see and change alert rules and alerts (smartcity.core.permissions).

Rules belong to an organisation: its members see and change them, its admins delete them.
Alerts are seen by the rule's organisation and by the further recipients the rule names
(they are told about the alert, so they may open it); only the organisation's members
acknowledge or close them. Platform admins may do everything.
"""

from smartcity.core.permissions import (
    DepartmentOwnedPolicy,
    Policy,
    is_authenticated,
    is_member_of,
)


class AlertRulePolicy(DepartmentOwnedPolicy):
    organisation_field = "organisation_id"


class AlertPolicy(Policy):
    def view(self, user, obj):
        if is_member_of(user, obj.rule.organisation_id):
            return True
        return is_authenticated(user) and obj.rule.recipients.filter(pk=user.pk).exists()

    def change(self, user, obj):
        return is_member_of(user, obj.rule.organisation_id)
