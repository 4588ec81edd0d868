from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.hosts import agency_site_url
from tenants.models import Agency
from tenants.services import agency_create


class Command(BaseCommand):
    help = "Create an agency with its schema, domain, default content and owner (S-1.4)."

    def add_arguments(self, parser):
        parser.add_argument("--code", type=int, required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", choices=Agency.Kind.values, default=Agency.Kind.AGENT)
        parser.add_argument("--lat", type=Decimal, required=True)
        parser.add_argument("--lon", type=Decimal, required=True)
        parser.add_argument("--owner-mobile", required=True)
        parser.add_argument("--licence-number", default="")
        parser.add_argument("--city", default="")
        parser.add_argument("--province", default="")
        parser.add_argument("--address", default="")
        parser.add_argument("--phone", default="")
        parser.add_argument("--can-issue", action="store_true")
        parser.add_argument("--no-referrals", action="store_true")

    def handle(self, *args, **options):
        try:
            agency = agency_create(
                code=options["code"],
                name=options["name"],
                kind=options["kind"],
                latitude=options["lat"],
                longitude=options["lon"],
                owner_mobile=options["owner_mobile"],
                licence_number=options["licence_number"],
                city=options["city"],
                province=options["province"],
                address=options["address"],
                phone=options["phone"],
                can_issue=options["can_issue"],
                accepts_referrals=not options["no_referrals"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                details = [
                    f"{field}: {' '.join(messages)}"
                    for field, messages in error.message_dict.items()
                ]
            else:
                details = error.messages
            raise CommandError("; ".join(details)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Agency {agency.code} created: {agency_site_url(agency)}")
        )
