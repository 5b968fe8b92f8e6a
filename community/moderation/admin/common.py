"""What the moderators' admin pages share beyond what every admin page does
(``config.admin_shared``): how much of a post a row shows, and the reason a rejection asks for."""

from django import forms

from community.moderation import services

EXCERPT_CHARS = 280
CONTEXT_CHARS = 160


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=services.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Sent to the author with the notice that the post was not approved.",
    )
