"""The Flask web app and JSON API: dispatcher map, bin history, planner and benchmark pages.

``web.app.create_app`` builds the app; ``waste serve`` serves it with waitress. Nothing outside ``web`` imports it.
"""
