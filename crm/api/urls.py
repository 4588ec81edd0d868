"""/api/crm/: the CRM of the logged-in member's agency (decision 033)."""

from django.urls import path

from crm.api import book, cases, customers, lookup

urlpatterns = [
    path("customers/", customers.CustomerListCreateApi.as_view(), name="api-crm-customers"),
    path(
        "customers/<int:crm_customer_id>/",
        customers.CustomerDetailApi.as_view(),
        name="api-crm-customer",
    ),
    path(
        "customers/<int:crm_customer_id>/phones/",
        customers.CustomerPhonesApi.as_view(),
        name="api-crm-customer-phones",
    ),
    path(
        "customers/<int:crm_customer_id>/phones/<int:phone_id>/",
        customers.CustomerPhoneApi.as_view(),
        name="api-crm-customer-phone",
    ),
    path(
        "customers/<int:crm_customer_id>/emails/",
        customers.CustomerEmailsApi.as_view(),
        name="api-crm-customer-emails",
    ),
    path(
        "customers/<int:crm_customer_id>/emails/<int:email_id>/",
        customers.CustomerEmailApi.as_view(),
        name="api-crm-customer-email",
    ),
    path(
        "customers/<int:crm_customer_id>/addresses/",
        customers.CustomerAddressesApi.as_view(),
        name="api-crm-customer-addresses",
    ),
    path(
        "customers/<int:crm_customer_id>/addresses/<int:address_id>/",
        customers.CustomerAddressApi.as_view(),
        name="api-crm-customer-address",
    ),
    path("lookup/", lookup.LookupApi.as_view(), name="api-crm-lookup"),
    path("book/", book.BookListApi.as_view(), name="api-crm-book"),
    path("book/<int:book_policy_id>/", book.BookPolicyApi.as_view(), name="api-crm-book-policy"),
    path("cases/", cases.CaseListApi.as_view(), name="api-crm-cases"),
    path("cases/<int:case_id>/", cases.CaseDetailApi.as_view(), name="api-crm-case"),
]
