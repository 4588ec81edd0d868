"""REST API of the sale (documented in /api/docs/)."""

from django.urls import path

from policies.api import orders, quotes

urlpatterns = [
    path("lines/", quotes.LineListApi.as_view(), name="api-lines"),
    # POST quotes/ (api-quote-create) is listed first in config.urls_common.api_patterns.
    path("quotes/<uuid:public_id>/", quotes.QuoteDetailApi.as_view(), name="api-quote-detail"),
    path("orders/", orders.OrderListCreateApi.as_view(), name="api-orders"),
    path("orders/<uuid:order_id>/", orders.OrderDetailApi.as_view(), name="api-order-detail"),
    path(
        "orders/<uuid:order_id>/insured/",
        orders.OrderInsuredApi.as_view(),
        name="api-order-insured",
    ),
    path(
        "orders/<uuid:order_id>/details/",
        orders.OrderDetailsApi.as_view(),
        name="api-order-details",
    ),
    path(
        "orders/<uuid:order_id>/documents/",
        orders.OrderDocumentApi.as_view(),
        name="api-order-documents",
    ),
    path(
        "orders/<uuid:order_id>/delivery/",
        orders.OrderDeliveryApi.as_view(),
        name="api-order-delivery",
    ),
    path(
        "orders/<uuid:order_id>/submit/", orders.OrderSubmitApi.as_view(), name="api-order-submit"
    ),
    path("orders/<uuid:order_id>/pay/", orders.OrderPayApi.as_view(), name="api-order-pay"),
    path(
        "orders/<uuid:order_id>/cancel/", orders.OrderCancelApi.as_view(), name="api-order-cancel"
    ),
    path("policies/", orders.PolicyListApi.as_view(), name="api-policies"),
    path(
        "policies/<str:number>/renewal/",
        orders.PolicyRenewalApi.as_view(),
        name="api-policy-renewal",
    ),
]
