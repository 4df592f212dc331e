"""The Flask web app and JSON API: dispatcher map, bin history, planner and benchmark pages."""
