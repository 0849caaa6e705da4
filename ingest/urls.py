"""Public, unauthenticated routes: event collection and the tracker script."""

urlpatterns = []
