"""The Streamlit pages: the only package that imports streamlit (with app.py)."""
