"""Small helpers shared by tests."""
import html


def page_text(response) -> str:
    """The HTML of a response with entities decoded, as a reader would see the text."""
    return html.unescape(response.get_data(as_text=True))
