"""Storefront URLs of the sale, served on the main site and on every agency site."""

from django.urls import path

from policies.views import account, documents, orders, quotes, renew

app_name = "policies"
urlpatterns = [
    # Premium inquiry
    path("insurance/", quotes.lines, name="lines"),
    path("insurance/<slug:code>/", quotes.quote, name="quote"),
    path("quotes/<uuid:public_id>/", quotes.quote_detail, name="quote-detail"),
    # Purchase steps and payment
    path("orders/start/<uuid:quote_id>/", orders.order_start, name="order-start"),
    path("orders/<uuid:order_id>/", orders.order_detail, name="order-detail"),
    path("orders/<uuid:order_id>/insured/", orders.order_insured, name="order-insured"),
    path("orders/<uuid:order_id>/details/", orders.order_details, name="order-details"),
    path("orders/<uuid:order_id>/documents/", orders.order_documents, name="order-documents"),
    path("orders/<uuid:order_id>/delivery/", orders.order_delivery, name="order-delivery"),
    path("orders/<uuid:order_id>/review/", orders.order_review, name="order-review"),
    path("orders/<uuid:order_id>/pay/", orders.order_pay, name="order-pay"),
    path("orders/<uuid:order_id>/cancel/", orders.order_cancel, name="order-cancel"),
    path("payments/<uuid:payment_id>/callback/", orders.payment_callback, name="payment-callback"),
    # Customer account
    path("account/", account.account, name="account"),
    path("account/orders/", account.account_orders, name="account-orders"),
    path("account/policies/", account.account_policies, name="account-policies"),
    path("account/payments/", account.account_payments, name="account-payments"),
    # Policy PDF and public verification
    path("policies/<str:number>/pdf/", documents.policy_pdf, name="policy-pdf"),
    path("policies/<str:number>/renew/", renew.renew, name="policy-renew"),
    path("verify/", documents.verify_form, name="verify-form"),
    path("verify/<str:code>/", documents.verify, name="verify"),
]
