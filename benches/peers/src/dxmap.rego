# dxmap's routing (DESIGN.md "Routing semantics", steps 1-7) in Rego v1,
# written by hand against the data exported from a compiled dxmap table
# (benches/peers/src/main.rs, `rego_data`). Per case, the input carries the
# postcode's units (most specific first), the code, channel, age in days,
# sex, the local date (YYYYMMDD), whether the case is located, the services
# at capacity red, and, precomputed with dxmap's own hours code, the
# services open in the search window of each code searched (`open1`,
# `open2`) and the great-circle distances (`km`). Result: every field of
# dxmap's answer that the benchmark compares, each always present: the
# overlay in force, the rule's name (or null), the `no_search` reason (or
# null), whether the services are the catch-all's, and the ordered service
# ids. An undefined result is a mismatch, never read as an empty answer.
#
# A local bound to a lookup that may be undefined (`data.areas[u]`,
# `layer.remaps[input.dx]`, `input.km[s.id]`, ...) is bound with `=`, not
# `:=`: the two mean the same here (the variable is fresh), but regorus 0.14's
# RVM compiler does not fail a query on `x := <undefined>` (it binds
# undefined and carries on; BENCHMARKS.md, "Peers"), while it does on
# `x = <undefined>`. `:=` stays where the right-hand side is always defined.
package dxmap

import rego.v1

# Step 1: the most specific overlay claiming a unit of the postcode.
layer_hits := [l | some u in input.units; l = data.areas[u]]

layer_idx := layer_hits[0] if {
	count(layer_hits) > 0
} else := 0

layer := data.layers[layer_idx]

# Step 2: a remap first; the original code is searched again if the
# remapped search finds nothing.
remapped if {
	layer.remaps[input.dx]
}

first_code := c if {
	c = layer.remaps[input.dx]
} else := input.dx

# Step 2: `no_search` (`ns`: its reason, else null), and a `same_as` code
# routing as its target unless a rule of the layer names it.
resolved(code) := {"ns": why, "rules": []} if {
	why = layer.no_search[code]
} else := {"ns": null, "rules": rs} if {
	rs = layer.rules_by_dx[code]
	count(rs) > 0
} else := {"ns": why, "rules": []} if {
	t = data.same_as[code]
	why = layer.no_search[t]
} else := {"ns": null, "rules": rs} if {
	t = data.same_as[code]
	rs := object.get(layer.rules_by_dx, t, [])
} else := {"ns": null, "rules": []}

max_ok(m) if {
	m == null
}

max_ok(m) if {
	m != null
	input.age < m
}

rule_sex_ok(s) if {
	s == null
}

rule_sex_ok(s) if {
	s != null
	input.sex == s
}

rule_ok(r) if {
	input.channel in r.channels
	r.min <= input.age
	max_ok(r.max)
	rule_sex_ok(r.sex)
}

# Step 3: the rules naming the code are highest priority first.
matching(rs) := [r | some i in rs; r := data.rules[i]; rule_ok(r)]

# Step 4: candidates along the layer's `extends` chain, unit by unit.
candidates(t) := {i | some l in layer.chain; some u in input.units; some i in data.layers[l].services[t][u]}

from_ok(f) if {
	f == null
}

from_ok(f) if {
	f != null
	f <= input.date
}

until_ok(u) if {
	u == null
}

until_ok(u) if {
	u != null
	input.date <= u
}

suspended(ws) if {
	some w in ws
	w[0] <= input.date
	until_ok(w[1])
}

sex_ok(x) if {
	x == null
}

sex_ok(x) if {
	x != null
	input.sex in x
}

in_force(t, s) if {
	from_ok(s.from)
	until_ok(s.until)
	not suspended(layer.susp_services[s.id])
	not suspended(layer.susp_types[t])
}

# Steps 4-5: the filters.
svc_ok(t, s, open) if {
	in_force(t, s)
	sex_ok(s.sexes)
	s.min <= input.age
	max_ok(s.max)
	not input.red[s.id]
	open[s.id]
}

# Step 6: type rank (the caller's order), declared rank (unranked last),
# distance when located (services without coordinates last), id.
rank_key(s) := [1, 0] if {
	s.rank == null
} else := [0, s.rank]

dist_key(s) := [0, 0] if {
	not input.located
} else := [0, d] if {
	d = input.km[s.id]
} else := [1, 0]

key(s) := [rk[0], rk[1], dk[0], dk[1], s.id] if {
	rk := rank_key(s)
	dk := dist_key(s)
}

type_ok(t) if {
	input.channel in data.types[t].channels
	not layer.unusable[t]
}

of_type(t, open) := [k[4] | some k in array.slice(sort(keys), 0, data.types[t].returns)] if {
	keys := [key(s) | some i in candidates(t); s := data.services[i]; svc_ok(t, s, open)]
}

services(r, open) := [id | some t in r.route; type_ok(t); some id in of_type(t, open)]

search(code, open) := {"ns": why, "rule": null, "services": []} if {
	why = resolved(code).ns
	why != null
} else := {"ns": null, "rule": null, "services": []} if {
	count(matching(resolved(code).rules)) == 0
} else := {"ns": null, "rule": r.name, "services": services(r, open)} if {
	r := matching(resolved(code).rules)[0]
}

a1 := search(first_code, input.open1)

a2 := search(input.dx, input.open2) if {
	remapped
}

last_rule := a2.rule if {
	remapped
	a2.rule != null
} else := a1.rule

# Step 7: the catch-all, by postcode, validity and suspension only; two.
catch_all := [k[4] | some k in array.slice(sort(keys), 0, 2)] if {
	t := layer.catch_all
	t != null
	keys := [key(s) | some i in candidates(t); s := data.services[i]; in_force(t, s)]
} else := []

catch_all_found := true if {
	count(catch_all) > 0
} else := false

overlay := layer.name

result := {"overlay": overlay, "rule": null, "no_search": a1.ns, "catch_all": false, "services": []} if {
	a1.ns != null
} else := {"overlay": overlay, "rule": a1.rule, "no_search": null, "catch_all": false, "services": a1.services} if {
	count(a1.services) > 0
} else := {"overlay": overlay, "rule": null, "no_search": a2.ns, "catch_all": false, "services": []} if {
	remapped
	a2.ns != null
} else := {"overlay": overlay, "rule": a2.rule, "no_search": null, "catch_all": false, "services": a2.services} if {
	remapped
	count(a2.services) > 0
} else := {"overlay": overlay, "rule": last_rule, "no_search": null, "catch_all": catch_all_found, "services": catch_all}
