{#- pandas' own table template (html_table.tpl) with header cells that say what they head, for
    screen readers: scope="col" on column headings and index names, scope="row" on row
    headings. Loaded by socinnov.reporting.display through Styler.from_custom_template. -#}
{% extends "html_table.tpl" %}
{% block head_tr scoped %}
    <tr>
{% if exclude_styles %}
{% for c in r %}
{% if c.is_visible != False %}
      <{{c.type}} {{c.attributes}}>{{c.display_value}}</{{c.type}}>
{% endif %}
{% endfor %}
{% else %}
{% for c in r %}
{% if c.is_visible != False %}
      <{{c.type}}{% if c.type == "th" and c.class.startswith(("col_heading", "index_name")) %} scope="col"{% elif c.type == "th" and c.class.startswith("row_heading") %} scope="row"{% endif %} {%- if c.id is defined %} id="T_{{uuid}}_{{c.id}}" {%- endif %} class="{{c.class}}" {{c.attributes}}>{{c.display_value}}</{{c.type}}>
{% endif %}
{% endfor %}
{% endif %}
    </tr>
{% endblock head_tr %}
{% block tr scoped %}
    <tr>
{% if exclude_styles %}
{% for c in r %}{% if c.is_visible != False %}
      <{{c.type}} {{c.attributes}}>{{c.display_value}}</{{c.type}}>
{% endif %}{% endfor %}
{% else %}
{% for c in r %}{% if c.is_visible != False %}
      <{{c.type}}{% if c.type == "th" and c.class.startswith(("col_heading", "index_name")) %} scope="col"{% elif c.type == "th" and c.class.startswith("row_heading") %} scope="row"{% endif %} {%- if c.id is defined %} id="T_{{uuid}}_{{c.id}}" {%- endif %} class="{{c.class}}" {{c.attributes}}>{{c.display_value}}</{{c.type}}>
{% endif %}{% endfor %}
{% endif %}
    </tr>
{% endblock tr %}
