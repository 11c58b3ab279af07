"""Anju web: server-rendered pages over the services\x27 APIs, called with the signed-in user\x27s own token."""
