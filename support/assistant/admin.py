import re
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from .models import EscalationRule
from .rules import rules_changed


class EscalationRuleForm(forms.ModelForm):
    class Meta:
        model = EscalationRule
        fields = ["name", "pattern", "reason", "active"]

    def clean_pattern(self) -> str:
        pattern: str = self.cleaned_data["pattern"]
        try:
            re.compile(pattern)
        except re.error as error:
            raise forms.ValidationError(f"Not a valid regular expression: {error}") from error
        return pattern


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    form = EscalationRuleForm
    list_display = ["name", "pattern", "reason", "active"]
    list_filter = ["active"]

    def save_model(
        self, request: HttpRequest, obj: EscalationRule, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        rules_changed()

    def delete_model(self, request: HttpRequest, obj: EscalationRule) -> None:
        super().delete_model(request, obj)
        rules_changed()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        """The list's "delete selected" action."""
        super().delete_queryset(request, queryset)
        rules_changed()
