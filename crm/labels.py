"""Names of the CRM's audit actions, changed fields and system actor (core.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.labels import ACTORS, AUDIT_ACTION_GROUPS, AUDIT_ACTIONS, AUDIT_FIELDS


def register() -> None:
    ACTORS.register({"crm": _("Customer system")})
    AUDIT_ACTION_GROUPS.register(
        {
            "customer": _("Customers"),
            "customer_group": _("Customer groups"),
            "region": _("Regions"),
            "marketer": _("Marketers"),
            "contact": _("Contacts"),
        }
    )
    AUDIT_ACTIONS.register(
        {
            "customer.created": _("Customer added"),
            "customer.created_from_ledger": _("Customer added from a policy sold here"),
            "customer.made_definite": _("Customer became definite with a policy sold here"),
            "customer.updated": _("Customer changed"),
            "customer.phone_added": _("Customer's phone number added"),
            "customer.phone_removed": _("Customer's phone number removed"),
            "customer.phone_made_primary": _("Customer's primary phone number changed"),
            "customer.email_added": _("Customer's e-mail address added"),
            "customer.email_removed": _("Customer's e-mail address removed"),
            "customer.address_added": _("Customer's postal address added"),
            "customer.address_removed": _("Customer's postal address removed"),
            "customer.relation_added": _("Related person added"),
            "customer.relation_removed": _("Related person removed"),
            "customer.group_added": _("Customer added to a group"),
            "customer.group_removed": _("Customer removed from a group"),
            "customer.sms_consent_changed": _("Customer's SMS consent changed"),
            "customer.merged": _("Customers merged"),
            "customer_group.created": _("Customer group created"),
            "region.created": _("Region created"),
            "marketer.created": _("Marketer added"),
            "contact.lookup_logged": _("Caller looked up"),
        }
    )
    AUDIT_FIELDS.register(
        {
            "display_name": _("Name"),
            "crm.customer.merged": _("Merged customer"),
            "number": _("Number"),
            "address": _("Address"),
            "group": _("Group"),
            "survivor": _("Kept customer"),
            "moved": _("What moved"),
            "policy": _("Policy"),
        }
    )
