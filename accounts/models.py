"""People: one account per mobile number, valid on every site (S-2.2, S-4.4)."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.text.fields import NormalizedCharField, search_key_field
from core.validators import normalize_mobile, validate_national_code


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, mobile: str, password: str | None = None, **extra) -> User:
        user = self.model(mobile=normalize_mobile(mobile), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, mobile: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("insurer_role", User.InsurerRole.ADMIN)
        return self.create_user(mobile, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A customer, agency staff member or insurer employee, identified by mobile number."""

    class InsurerRole(models.TextChoices):
        NONE = "", _("None")
        OPERATOR = "operator", _("Virtual-branch operator")
        BRANCH_MANAGER = "branch_manager", _("Branch manager")
        MARKETING = "marketing", _("Marketing")
        ADMIN = "admin", _("Administrator")

    mobile = models.CharField(_("mobile number"), max_length=11, unique=True)
    first_name = NormalizedCharField(_("first name"), max_length=100, blank=True)
    last_name = NormalizedCharField(_("last name"), max_length=100, blank=True)
    national_code = models.CharField(
        _("national code"),
        max_length=10,
        blank=True,
        validators=[validate_national_code],
        db_index=True,
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    identity_verified_at = models.DateTimeField(
        _("identity verified at"),
        null=True,
        blank=True,
        help_text=_(
            "Once set, the customer can no longer change name, national code or birth date."
        ),
    )
    mobile_verified_at = models.DateTimeField(_("mobile verified at"), null=True, blank=True)
    insurer_role = models.CharField(
        _("insurer role"), max_length=20, choices=InsurerRole.choices, blank=True, default=""
    )
    signup_agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("signed up on the site of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signed_up_customers",
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Name and mobile as one search key, kept by PostgreSQL (core.text, decision 020).
    search_key = search_key_field("first_name", "last_name", "mobile", verbose_name=_("search key"))

    objects = UserManager()

    USERNAME_FIELD = "mobile"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    IDENTITY_FIELDS = ("first_name", "last_name", "national_code", "birth_date")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # Customer lists newest sign-up first (the panel's customers) stop after a page.
        indexes = [models.Index(fields=["-date_joined", "-id"], name="user_joined_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mobile__regex=r"^09[0-9]{9}$"), name="user_mobile_format"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.mobile

    def clean(self) -> None:
        """Store the mobile number as ``09xxxxxxxxx`` whatever way it was typed (admin forms)."""
        super().clean()
        if self.mobile:
            try:
                self.mobile = normalize_mobile(self.mobile)
            except ValidationError as error:
                raise ValidationError({"mobile": error.messages}) from error

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.mobile

    @property
    def identity_locked(self) -> bool:
        return self.identity_verified_at is not None

    @property
    def is_insurer_staff(self) -> bool:
        return bool(self.insurer_role) or self.is_superuser

    def has_insurer_role(self, *roles: str) -> bool:
        """Whether this person works for the insurer in one of ``roles`` (a superuser
        has every role)."""
        return self.is_active and (
            self.is_superuser or (bool(self.insurer_role) and self.insurer_role in roles)
        )


class AgencyMembership(models.Model):
    """A person working for an agency, with a role that sets what they may do in its panel."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MANAGER = "manager", _("Manager")
        STAFF = "staff", pgettext_lazy("agency role", "Staff")

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("agency membership")
        verbose_name_plural = _("agency memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="unique_membership_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency_id} ({self.role})"

    @property
    def can_manage(self) -> bool:
        """Owners and managers run the agency's staff, settings and site."""
        return self.role in (self.Role.OWNER, self.Role.MANAGER)


class OneTimeCode(models.Model):
    """An SMS one-time code, stored only as a keyed hash."""

    mobile = models.CharField(_("mobile number"), max_length=11, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["mobile", "-created_at"])]

    def __str__(self) -> str:
        return f"code for {self.mobile} at {self.created_at:%Y-%m-%d %H:%M}"
