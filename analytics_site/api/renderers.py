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
