"""Forms of the strategy cycles pages."""
