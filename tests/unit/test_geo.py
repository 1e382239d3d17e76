"""Geography: codes and names in any spelling, municipalities, did-you-mean."""

from __future__ import annotations

import pytest

from vigia.errors import QueryError
from vigia.geo import resolve_geo, state_name
from vigia.geo.municipalities import municipalities, municipality_name


@pytest.mark.parametrize("text, code", [
    ("00", "00"), ("Nacional", "00"), ("national", "00"), ("1", "01"), ("01", "01"),
    ("Coahuila", "05"), ("Coahuila de Zaragoza", "05"), ("COAHUILA", "05"),
    ("Edomex", "15"), ("México", "15"), ("Estado de México", "15"),
    ("CDMX", "09"), ("Ciudad de México", "09"), ("Distrito Federal", "09"), ("D.F.", "09"),
    ("Veracruz", "30"), ("Veracruz de Ignacio de la Llave", "30"), ("Michoacán", "16"), ("michoacan de ocampo", "16"),
    ("Querétaro", "22"), ("Nuevo Leon", "19"), ("San Luis Potosi", "24"), ("Yucatan", "31"),
])
def test_state_spellings(text, code):
    assert resolve_geo(text) == code


def test_municipalities():
    assert len(municipalities()) == 2475
    assert resolve_geo("Culiacán") == "25006" and municipality_name("25006") == "Culiacán"
    assert resolve_geo("Juárez, Chihuahua") == resolve_geo("juarez (Chihuahua)") == "08037"
    assert resolve_geo("25006") == "25006" and resolve_geo("1001") == "01001"
    with pytest.raises(QueryError) as info:
        resolve_geo("Juárez")
    assert "Chihuahua (08037)" in " ".join(info.value.choices)


def test_unknown_names_suggest_the_nearest():
    with pytest.raises(QueryError) as info:
        resolve_geo("Sinalo")
    assert "Did you mean: Sinaloa" in str(info.value)
    assert state_name("25") == "Sinaloa"
