"""Browser pages (server-rendered shells around the frontend bundle)."""

urlpatterns: list = []
