"""The CRM's panel pages (views, forms and URL modules), mounted from ``crm.mounts``."""
