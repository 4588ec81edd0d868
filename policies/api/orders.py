"""Orders API (S-2.3, S-2.4): the purchase steps for a logged-in customer, on this site only.

Another customer's order, or an order made on another site, is a 404. A field that does not
match the schema is a 400; a step the rules refuse is a 422 with a Persian message per field;
an order whose state refuses the step is a 409. Nothing already saved is lost.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    AnswersField,
    LatitudeField,
    LongitudeField,
    MobileField,
    NationalCodeField,
    PostalCodeField,
    TextField,
    UploadField,
    errors,
)
from core.jalali import parse_jalali_date, tehran_today
from policies.api.quotes import BreakdownItemSerializer
from policies.models import Order, Payment, Policy
from policies.selectors import (
    order_for_customer,
    orders_of_customer,
    policies_of_customer,
    policy_for_site,
)
from policies.services import orders as services
from policies.services.events import Origin
from policies.services.payments import payment_start
from policies.services.quotes import quote_get
from policies.services.renewal import (
    renewal_answers_of,
    renewal_open_order,
    renewal_order_start,
    renewal_refusal,
    renewal_window,
)


@extend_schema_field(
    {
        "type": "string",
        "format": "date",
        "description": "ISO 8601 (2026-01-31); a Jalali date (1404/11/11) is accepted too.",
    }
)
class FlexibleDateField(serializers.DateField):
    """ISO ``2026-01-31`` or Jalali ``1404/11/11`` (Persian digits too)."""

    def to_internal_value(self, value):
        if isinstance(value, str) and "/" in value:
            try:
                return parse_jalali_date(value)
            except ValueError:
                raise serializers.ValidationError(
                    self.error_messages["invalid"].format(format="1370/01/31")
                ) from None
        return super().to_internal_value(value)


class DocumentOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class PaymentOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    attempt = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=0)
    state = serializers.ChoiceField(choices=Payment.State.choices)
    reference = serializers.CharField()
    created_at = serializers.DateTimeField()


class InsuredOutputSerializer(serializers.Serializer):
    first_name = serializers.CharField(source="insured_first_name")
    last_name = serializers.CharField(source="insured_last_name")
    national_code = serializers.CharField(source="insured_national_code")
    birth_date = serializers.DateField(source="insured_birth_date", allow_null=True)
    mobile = serializers.CharField(source="insured_mobile")


class DeliveryOutputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(
        source="delivery_method", choices=Order.Delivery.choices, allow_blank=True
    )
    province = serializers.CharField(source="delivery_province")
    city = serializers.CharField(source="delivery_city")
    address = serializers.CharField(source="delivery_address")
    postal_code = serializers.CharField(source="delivery_postal_code")
    date = serializers.DateField(source="delivery_date", allow_null=True)
    slot = serializers.ChoiceField(
        source="delivery_slot", choices=Order.Slot.choices, allow_blank=True
    )


class OrderOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    number = serializers.CharField()
    line = serializers.CharField(source="line.code")
    state = serializers.ChoiceField(choices=Order.State.choices)
    premium = serializers.DecimalField(max_digits=18, decimal_places=0)
    breakdown = BreakdownItemSerializer(many=True)
    missing_steps = serializers.SerializerMethodField()
    insured = InsuredOutputSerializer(source="*")
    details = AnswersField()
    delivery = DeliveryOutputSerializer(source="*")
    documents = DocumentOutputSerializer(many=True)
    payments = PaymentOutputSerializer(many=True)
    policy_number = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=services.STEPS[:-1]))
    )
    def get_missing_steps(self, order) -> list[str]:
        return services.order_missing_steps(order=order)

    def get_policy_number(self, order) -> str | None:
        policy = getattr(order, "policy", None) if order.state == Order.State.ISSUED else None
        return policy.number if policy else None


class OrderSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    number = serializers.CharField()
    line = serializers.CharField(source="line.code")
    state = serializers.ChoiceField(choices=Order.State.choices)
    premium = serializers.DecimalField(max_digits=18, decimal_places=0)
    created_at = serializers.DateTimeField()


class _OrderApi(APIView):
    def order(self, request, order_id) -> Order:
        order = order_for_customer(public_id=order_id, customer=request.user, agency=request.agency)
        if order is None:
            raise Http404
        return order

    def answer(self, order: Order, code: int = status.HTTP_200_OK) -> Response:
        order = (
            Order.objects.prefetch_related("documents", "payments")
            .select_related("line")
            .get(pk=order.pk)
        )
        return Response(OrderOutputSerializer(order).data, status=code)


class OrderListCreateApi(_OrderApi):
    """My orders on this site; POST opens (or resumes) the order of a quote made here."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OrderCreateInput"  # a unique name in the OpenAPI schema

        quote = serializers.UUIDField()

    @extend_schema(responses=OrderSummarySerializer(many=True))
    def get(self, request):
        orders = orders_of_customer(customer=request.user, agency=request.agency)[:200]
        return Response(OrderSummarySerializer(orders, many=True).data)

    @extend_schema(
        request=InputSerializer, responses={201: OrderOutputSerializer, **errors(404, 422)}
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote = quote_get(public_id=data.validated_data["quote"], agency=request.agency)
        if quote is None:
            raise Http404
        try:
            order = services.order_start(
                quote=quote, customer=request.user, agency=request.agency, origin=Origin.of(request)
            )
        except ValidationError as error:
            raise ValidationError({"quote": error.messages}) from error
        return self.answer(order, status.HTTP_201_CREATED)


class OrderDetailApi(_OrderApi):
    @extend_schema(responses=OrderOutputSerializer)
    def get(self, request, order_id):
        return self.answer(self.order(request, order_id))


class OrderInsuredApi(_OrderApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OrderInsuredInput"  # a unique name in the OpenAPI schema

        first_name = TextField(max_length=100, allow_blank=True)
        last_name = TextField(max_length=100, allow_blank=True)
        national_code = NationalCodeField()
        birth_date = FlexibleDateField(allow_null=True)
        mobile = MobileField()

    @extend_schema(
        request=InputSerializer, responses={200: OrderOutputSerializer, **errors(409, 422)}
    )
    def put(self, request, order_id):
        order = self.order(request, order_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.order_insured_save(
            order=order, actor=request.user, origin=Origin.of(request), **data.validated_data
        )
        return self.answer(order)


class OrderDetailsApi(_OrderApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OrderDetailsInput"  # a unique name in the OpenAPI schema

        answers = AnswersField(help_text="The answers to the line's details questions, by code.")

    @extend_schema(
        request=InputSerializer, responses={200: OrderOutputSerializer, **errors(409, 422)}
    )
    def put(self, request, order_id):
        order = self.order(request, order_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.order_details_save(
            order=order,
            actor=request.user,
            answers=data.validated_data["answers"],
            origin=Origin.of(request),
        )
        return self.answer(order)


class OrderDocumentApi(_OrderApi):
    parser_classes = [MultiPartParser]  # the one upload: multipart, nothing else

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OrderDocumentInput"  # a unique name in the OpenAPI schema

        kind = serializers.SlugField(max_length=40, help_text="A document the line asks for.")
        file = UploadField(allow_empty_file=True, help_text="JPG, PNG or PDF, at most 5 MB.")

    @extend_schema(
        request=InputSerializer, responses={201: OrderOutputSerializer, **errors(409, 422)}
    )
    def post(self, request, order_id):
        order = self.order(request, order_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.order_document_add(
                order=order,
                actor=request.user,
                kind=data.validated_data["kind"],
                uploaded=data.validated_data["file"],
                origin=Origin.of(request),
            )
        except services.OrderStateError:
            raise
        except ValidationError as error:
            # The service speaks of "the file" or "the kind"; say which field it was.
            codes = {item.code for item in error.error_list}
            raise ValidationError(
                {"kind" if "kind" in codes else "file": error.messages}
            ) from error
        return self.answer(order, status.HTTP_201_CREATED)


class OrderDeliveryApi(_OrderApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OrderDeliveryInput"  # a unique name in the OpenAPI schema

        method = serializers.ChoiceField(choices=Order.Delivery.choices)
        province = TextField(max_length=100, allow_blank=True, required=False, default="")
        city = TextField(max_length=100, allow_blank=True, required=False, default="")
        address = TextField(max_length=500, allow_blank=True, required=False, default="")
        postal_code = PostalCodeField(allow_blank=True, required=False, default="")
        date = FlexibleDateField(allow_null=True)
        slot = serializers.ChoiceField(choices=Order.Slot.choices)
        latitude = LatitudeField(required=False, allow_null=True, default=None)
        longitude = LongitudeField(required=False, allow_null=True, default=None)

    @extend_schema(
        request=InputSerializer, responses={200: OrderOutputSerializer, **errors(409, 422)}
    )
    def put(self, request, order_id):
        order = self.order(request, order_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.order_delivery_save(
            order=order, actor=request.user, origin=Origin.of(request), **data.validated_data
        )
        return self.answer(order)


class OrderSubmitApi(_OrderApi):
    @extend_schema(request=None, responses={200: OrderOutputSerializer, **errors(409, 422)})
    def post(self, request, order_id):
        order = self.order(request, order_id)
        services.order_submit(order=order, actor=request.user, origin=Origin.of(request))
        return self.answer(order)


class OrderPayApi(_OrderApi):
    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OrderPayment"

        payment = serializers.UUIDField()
        redirect_url = serializers.URLField(help_text="The bank's page to send the customer to.")
        method = serializers.ChoiceField(
            choices=[("GET", "GET"), ("POST", "POST")],
            help_text="How to go there: GET the URL, or POST `form` to it.",
        )
        form = serializers.DictField(child=serializers.CharField())

    @extend_schema(request=None, responses={200: OutputSerializer, **errors(409, 503)})
    def post(self, request, order_id):
        order = self.order(request, order_id)
        payment, redirect = payment_start(
            order=order,
            actor=request.user,
            callback_url=lambda p: request.build_absolute_uri(
                reverse("policies:payment-callback", args=[p.public_id])
            ),
            origin=Origin.of(request),
        )
        return Response(
            {
                "payment": payment.public_id,
                "redirect_url": redirect.url,
                "method": redirect.method,
                "form": redirect.form,
            }
        )


class OrderCancelApi(_OrderApi):
    @extend_schema(request=None, responses={200: OrderOutputSerializer, **errors(409)})
    def post(self, request, order_id):
        order = self.order(request, order_id)
        services.order_cancel(order=order, actor=request.user, origin=Origin.of(request))
        return self.answer(order)


class PolicyOutputSerializer(serializers.Serializer):
    number = serializers.CharField()
    line = serializers.CharField(source="line.code")
    state = serializers.ChoiceField(choices=Policy.State.choices)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    premium = serializers.DecimalField(max_digits=18, decimal_places=0)
    pdf_url = serializers.SerializerMethodField()

    def get_pdf_url(self, policy) -> str:
        return reverse("policies:policy-pdf", args=[policy.number])


class PolicyListApi(APIView):
    """My policies (on an agency site: those it sold)."""

    @extend_schema(responses=PolicyOutputSerializer(many=True))
    def get(self, request):
        policies = policies_of_customer(customer=request.user, agency=request.agency)[:200]
        return Response(PolicyOutputSerializer(policies, many=True).data)


class RenewalOutputSerializer(serializers.Serializer):
    """What a renewal starts from (decision 050): the days it is offered, the last purchase's
    answers (no-claim years advanced unless the policy had a claim) for ``POST /api/quotes/``,
    the required questions still unanswered, and the renewal order already open, if any."""

    policy_number = serializers.CharField()
    offered_from = serializers.DateField()
    offered_until = serializers.DateField()
    answers = serializers.DictField()
    missing = serializers.ListField(child=serializers.CharField())
    open_order = serializers.UUIDField(allow_null=True)


class PolicyRenewalApi(_OrderApi):
    """Renew one of my policies (decision 050): GET the prefilled answers, price them with
    ``POST /api/quotes/``, then POST the quote here to open the renewal order (the normal
    purchase follows, linked to the old policy). Refused (409) outside the renewal window or
    for a cancelled policy; another customer's policy, or one sold on another site, is 404."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RenewalCreateInput"  # a unique name in the OpenAPI schema

        quote = serializers.UUIDField()

    def policy(self, request, number: str) -> Policy:
        policy = policy_for_site(number=number, agency=request.agency)
        if policy is None or policy.customer_id != request.user.pk:
            raise Http404
        return policy

    @extend_schema(responses={200: RenewalOutputSerializer, **errors(404, 409)})
    def get(self, request, number):
        policy = self.policy(request, number)
        today = tehran_today()
        renewal_refusal(policy=policy, customer=request.user, today=today)
        first, last = renewal_window(policy)
        prefill = renewal_answers_of(policy=policy, today=today)
        open_order = renewal_open_order(policy=policy, customer=request.user)
        return Response(
            RenewalOutputSerializer(
                {
                    "policy_number": policy.number,
                    "offered_from": first,
                    "offered_until": last,
                    "answers": prefill.answers,
                    "missing": prefill.missing,
                    "open_order": open_order.public_id if open_order else None,
                }
            ).data
        )

    @extend_schema(
        request=InputSerializer, responses={201: OrderOutputSerializer, **errors(404, 409, 422)}
    )
    def post(self, request, number):
        policy = self.policy(request, number)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote = quote_get(public_id=data.validated_data["quote"], agency=request.agency)
        if quote is None:
            raise Http404
        order = renewal_order_start(
            policy=policy,
            quote=quote,
            customer=request.user,
            agency=request.agency,
            today=tehran_today(),
            origin=Origin.of(request),
        )
        return self.answer(order, status.HTTP_201_CREATED)
