from django import forms

from smartcity.core.models import AccessibilityFeedback


class AccessibilityFeedbackForm(forms.ModelForm):
    class Meta:
        model = AccessibilityFeedback
        fields = ["page_url", "description", "name", "email"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
