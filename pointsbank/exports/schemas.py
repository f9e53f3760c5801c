"""marshmallow schemas for exports at the API boundary."""

import marshmallow as ma


class ExportArgsSchema(ma.Schema):
    date_from = ma.fields.Date(data_key="from", required=True, metadata={"description": "First day"})
    date_to = ma.fields.Date(data_key="to", required=True, metadata={"description": "Last day"})
