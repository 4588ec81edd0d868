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
            "sale": _("Sales from the panel"),
            "instrument": _("Cheques and notes"),
            "ranking": _("Customer ranking"),
            "crm_settings": _("CRM settings"),
            "book": _("The book"),
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
            "sale.order_created": _("Order made in the panel for a customer"),
            "sale.link_sent": _("Payment link sent to the customer"),
            "user.created_for_sale": _("Account created for a sale in the panel"),
            "instrument.created": _("Cheque or note recorded"),
            "instrument.updated": _("Cheque or note changed"),
            "instrument.state_changed": _("Cheque or note state changed"),
            "ranking.weights_changed": _("Ranking weights changed"),
            "crm_settings.telephony_token_created": _("Telephony token made"),
            "crm_settings.telephony_token_rotated": _("Telephony token replaced"),
            "crm_settings.telephony_token_revoked": _("Telephony token revoked"),
            "book.added": _("Policy with another insurer added to the book"),
            "book.commission_set": _("Commission of a policy sold here recorded in the book"),
            "book.updated": _("Policy of the book changed"),
            "book.cancelled": _("Policy with another insurer cancelled"),
            "book.free_fields_named": _("Free fields of the book named"),
            "book.imported": _("Policies imported into the book"),
            "book.quote_taken": _("Quote turned into a prospect"),
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
