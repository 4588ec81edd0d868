"""/api/support/: support tickets through the API (decision 017's contract), for the two sides
that ask: a customer (``tickets/``, their own tickets) and an agency's members
(``agency/tickets/``, their agency's tickets). JSON in and out; a file is added by its own
multipart operation. Internal notes never appear here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import TextField, UploadField, errors
from crm.api.base import MAX_ID, CrmPagination, PageQuery, id_parameter, membership_current, page_of
from support import selectors, services
from support.models import Category, Message, Ticket
from support.services import BODY_MAX, SUBJECT_MAX, Party
from tenants.models import Agency
from tenants.services import AgencyNotActive, agency_inactive_message

# ---- serializers ---------------------------------------------------------------------------


class CategorySerializer(serializers.Serializer):
    class Meta:
        ref_name = "SupportCategory"

    code = serializers.CharField(help_text="Give it as a new ticket's category.")
    name = serializers.CharField(source="display_name")
    sla_hours = serializers.IntegerField(help_text="Working hours the insurer has to answer.")


class FileSerializer(serializers.Serializer):
    class Meta:
        ref_name = "SupportFile"

    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()


class MessageSerializer(serializers.Serializer):
    class Meta:
        ref_name = "SupportMessage"

    id = serializers.IntegerField()
    author_side = serializers.ChoiceField(choices=Message.Author.choices)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    files = FileSerializer(many=True, source="attachments.all")


class TicketSerializer(serializers.Serializer):
    class Meta:
        ref_name = "SupportTicket"

    id = serializers.IntegerField()
    subject = serializers.CharField()
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.display_name")
    state = serializers.ChoiceField(choices=Ticket.State.choices)
    state_name = serializers.CharField(source="get_state_display")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


class TicketDetailSerializer(TicketSerializer):
    class Meta:
        ref_name = "SupportTicketDetail"

    messages = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, ticket: Ticket) -> list[dict]:
        return MessageSerializer(self.context["thread"], many=True).data  # type: ignore[return-value]

    @extend_schema_field(FileSerializer(many=True))
    def get_files(self, ticket: Ticket) -> list[dict]:
        return FileSerializer(self.context["files"], many=True).data  # type: ignore[return-value]


class TicketCreateInput(serializers.Serializer):
    class Meta:
        ref_name = "SupportTicketCreateInput"

    category = serializers.SlugField(max_length=40, help_text="A category's code.")
    subject = TextField(max_length=SUBJECT_MAX, min_length=1)
    body = TextField(multiline=True, max_length=BODY_MAX, min_length=1)


class ReplyInput(serializers.Serializer):
    class Meta:
        ref_name = "SupportReplyInput"

    body = TextField(multiline=True, max_length=BODY_MAX, min_length=1)


class FileInput(serializers.Serializer):
    class Meta:
        ref_name = "SupportFileInput"

    file = UploadField(allow_empty_file=True, help_text="JPG, PNG or PDF, at most 5 MB.")


# ---- the two sides -------------------------------------------------------------------------


class _SideApi(APIView):
    """Resolves who asks once (``self.party``) and which tickets are theirs."""

    party: Party

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if any(isinstance(value, int) and value > MAX_ID for value in kwargs.values()):
            raise exceptions.NotFound()
        self.party = self.resolve_party(request, has_id=bool(kwargs))

    def resolve_party(self, request, *, has_id: bool) -> Party:
        raise NotImplementedError

    def tickets(self):
        raise NotImplementedError

    def ticket(self, ticket_id: int) -> Ticket:
        ticket = self.tickets().filter(pk=ticket_id).first()
        if ticket is None:
            raise Http404
        return ticket

    def handle_exception(self, exc):
        if isinstance(exc, AgencyNotActive):
            exc = exceptions.PermissionDenied(exc.message, code="agency_inactive")
        return super().handle_exception(exc)

    def detail_answer(self, ticket: Ticket, status: int = 200) -> Response:
        context = {
            "thread": selectors.public_thread(ticket=ticket),
            "files": selectors.loose_files(ticket=ticket),
        }
        return Response(TicketDetailSerializer(ticket, context=context).data, status=status)


class CustomerApi(_SideApi):
    def resolve_party(self, request, *, has_id: bool) -> Party:
        return Party.customer(request.user)

    def tickets(self):
        return selectors.customer_tickets(user=self.party.user)


class AgencyApi(_SideApi):
    """An agency's member (any role): the agency is their current one, never the URL or the
    host (as the CRM's API, decision 033); a stopped agency's members get 403."""

    def resolve_party(self, request, *, has_id: bool) -> Party:
        membership = membership_current(request)
        if membership is None:
            if has_id:
                raise exceptions.NotFound()
            raise exceptions.PermissionDenied(
                _("Only members of an agency can use this."), code="not_an_agency_member"
            )
        if membership.agency.status != Agency.Status.ACTIVE:
            raise exceptions.PermissionDenied(
                agency_inactive_message(membership.agency.status), code="agency_inactive"
            )
        return Party.of_agency(agency=membership.agency, user=request.user)

    def tickets(self):
        assert self.party.agency is not None
        return selectors.agency_tickets(agency=self.party.agency)


def _category(code: str) -> Category:
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise ValidationError({"category": [_("Choose a category.")]})
    return category


def _list(view: _SideApi, request) -> Response:
    query = PageQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    paginator = CrmPagination()
    page: list[Any] = paginator.paginate_queryset(view.tickets(), request, view=view) or []
    return paginator.get_paginated_response(TicketSerializer(page, many=True).data)


def _create(view: _SideApi, request) -> Response:
    data = TicketCreateInput(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    ticket = services.ticket_open(
        party=view.party,
        category=_category(values["category"]),
        subject=values["subject"],
        body=values["body"],
        site_agency_id=getattr(getattr(request, "agency", None), "pk", None)
        if view.party.side == Ticket.Side.CUSTOMER
        else None,
    )
    return view.detail_answer(ticket, status=201)


def _reply(view: _SideApi, request, ticket_id: int) -> Response:
    ticket = view.ticket(ticket_id)
    data = ReplyInput(data=request.data)
    data.is_valid(raise_exception=True)
    services.ticket_reply(party=view.party, ticket=ticket, body=data.validated_data["body"])
    ticket.refresh_from_db()
    return view.detail_answer(ticket, status=201)


def _close(view: _SideApi, ticket_id: int) -> Response:
    ticket = services.ticket_close(party=view.party, ticket=view.ticket(ticket_id))
    return view.detail_answer(ticket)


def _upload(view: _SideApi, request, ticket_id: int) -> Response:
    ticket = view.ticket(ticket_id)
    data = FileInput(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        attachment = services.ticket_attach(
            party=view.party, ticket=ticket, uploaded=data.validated_data["file"]
        )
    except ValidationError as error:
        if hasattr(error, "error_dict") and "files" in error.error_dict:
            raise ValidationError({"file": error.message_dict["files"]}) from error
        raise
    return Response(FileSerializer(attachment).data, status=201)


TICKET_ID = id_parameter("ticket_id", "The ticket's id.")
TicketPage = page_of(TicketSerializer, "SupportTicketPage")


class CategoryListApi(APIView):
    @extend_schema(
        operation_id="support_categories_list", responses={200: CategorySerializer(many=True)}
    )
    def get(self, request):
        """What a ticket can be about, with the working hours the insurer has to answer."""
        return Response(CategorySerializer(selectors.categories(), many=True).data)


# ---- the customer's side ---------------------------------------------------------------


class TicketListCreateApi(CustomerApi):
    @extend_schema(
        operation_id="support_tickets_list",
        parameters=[PageQuery],
        responses={200: TicketPage, **errors(400)},
    )
    def get(self, request):
        """The customer's own tickets, newest first."""
        return _list(self, request)

    @extend_schema(
        operation_id="support_tickets_create",
        request=TicketCreateInput,
        responses={201: TicketDetailSerializer, **errors(422)},
    )
    def post(self, request):
        """Open a ticket to the insurer; its answer is due after the category's working hours."""
        return _create(self, request)


class TicketDetailApi(CustomerApi):
    @extend_schema(
        operation_id="support_tickets_retrieve",
        parameters=[TICKET_ID],
        responses={200: TicketDetailSerializer},
    )
    def get(self, request, ticket_id: int):
        """A ticket with its conversation (the insurer's internal notes are never here)."""
        return self.detail_answer(self.ticket(ticket_id))


class TicketReplyApi(CustomerApi):
    @extend_schema(
        operation_id="support_tickets_reply",
        parameters=[TICKET_ID],
        request=ReplyInput,
        responses={201: TicketDetailSerializer, **errors(422)},
    )
    def post(self, request, ticket_id: int):
        """Write on the ticket; an answered or closed ticket goes back to the insurer."""
        return _reply(self, request, ticket_id)


class TicketCloseApi(CustomerApi):
    @extend_schema(
        operation_id="support_tickets_close",
        parameters=[TICKET_ID],
        request=None,
        responses={200: TicketDetailSerializer},
    )
    def post(self, request, ticket_id: int):
        """Close the ticket (a closed one stays closed)."""
        return _close(self, ticket_id)


class TicketFileApi(CustomerApi):
    parser_classes = [MultiPartParser]  # the one upload: multipart, nothing else

    @extend_schema(
        operation_id="support_tickets_file_add",
        parameters=[TICKET_ID],
        request=FileInput,
        responses={201: FileSerializer, **errors(409, 422)},
    )
    def post(self, request, ticket_id: int):
        """Add a file (JPG, PNG or PDF up to 5 MB, checked by its content) to an open ticket."""
        return _upload(self, request, ticket_id)


# ---- the agency's side -------------------------------------------------------------------


class AgencyTicketListCreateApi(AgencyApi):
    @extend_schema(
        operation_id="support_agency_tickets_list",
        parameters=[PageQuery],
        responses={200: TicketPage, **errors(400)},
    )
    def get(self, request):
        """The agency's tickets (shared by all its members), newest first."""
        return _list(self, request)

    @extend_schema(
        operation_id="support_agency_tickets_create",
        request=TicketCreateInput,
        responses={201: TicketDetailSerializer, **errors(422)},
    )
    def post(self, request):
        """Open a ticket of the agency to the insurer."""
        return _create(self, request)


class AgencyTicketDetailApi(AgencyApi):
    @extend_schema(
        operation_id="support_agency_tickets_retrieve",
        parameters=[TICKET_ID],
        responses={200: TicketDetailSerializer},
    )
    def get(self, request, ticket_id: int):
        """One of the agency's tickets with its conversation (never an internal note)."""
        return self.detail_answer(self.ticket(ticket_id))


class AgencyTicketReplyApi(AgencyApi):
    @extend_schema(
        operation_id="support_agency_tickets_reply",
        parameters=[TICKET_ID],
        request=ReplyInput,
        responses={201: TicketDetailSerializer, **errors(422)},
    )
    def post(self, request, ticket_id: int):
        """Write on the agency's ticket."""
        return _reply(self, request, ticket_id)


class AgencyTicketCloseApi(AgencyApi):
    @extend_schema(
        operation_id="support_agency_tickets_close",
        parameters=[TICKET_ID],
        request=None,
        responses={200: TicketDetailSerializer},
    )
    def post(self, request, ticket_id: int):
        """Close the agency's ticket."""
        return _close(self, ticket_id)


class AgencyTicketFileApi(AgencyApi):
    parser_classes = [MultiPartParser]  # the one upload: multipart, nothing else

    @extend_schema(
        operation_id="support_agency_tickets_file_add",
        parameters=[TICKET_ID],
        request=FileInput,
        responses={201: FileSerializer, **errors(409, 422)},
    )
    def post(self, request, ticket_id: int):
        """Add a file to the agency's open ticket."""
        return _upload(self, request, ticket_id)
