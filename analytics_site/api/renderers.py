from django.http import Http404
from rest_framework.renderers import JSONRenderer


class EnvelopeJSONRenderer(JSONRenderer):
    """Wraps successful payloads in `{"status": "success", "data": ...}`.

    Error payloads arrive already enveloped from the exception handler.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and not response.exception:
            data = {"status": "success", "data": data}
        return super().render(data, accepted_media_type, renderer_context)


class EnvelopeErrorsMixin:
    """For views that also answer another format (CSV): errors are always the JSON envelope."""

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            # An unknown `?format=`: answer JSON, where the parameter check reports it (400).
            renderer = EnvelopeJSONRenderer()
            return renderer, renderer.media_type

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = EnvelopeJSONRenderer()
        self.request.accepted_media_type = EnvelopeJSONRenderer.media_type
        return response
