from django import template

register = template.Library()


@register.filter
def with_class(bound_field, css_class: str):
    """Render a form field's widget with extra CSS classes (and ``is-invalid`` on error)."""
    classes = css_class
    if bound_field.errors:
        classes += " is-invalid"
    existing = bound_field.field.widget.attrs.get("class", "")
    return bound_field.as_widget(attrs={"class": f"{existing} {classes}".strip()})
