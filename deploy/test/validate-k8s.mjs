// node validate-k8s.mjs FILE...: checks every document of the Kubernetes manifests
//  1. against the API's schema (kubernetes-models: types, formats, required fields, enums);
//  2. for fields the API does not have (a misspelt key is silently dropped by kubectl apply
//     without --validate=strict): every key is looked up in the API's own models
//     (@kubernetes/client-node's attribute maps);
//  3. for the promises the manifests make to each other and to siphon's configuration: probes
//     on the admin port of the ConfigMap's http.yaml, a grace period that covers preStop, drain,
//     shutdown grace and hooks, a memory limit above the heap, selectors that match.
// Prints one line per problem and exits 1 if there is any.
import { readFileSync } from "node:fs";
import { parseAllDocuments, parse } from "yaml";

const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);

// kind -> [module of kubernetes-models, model of @kubernetes/client-node]
const KINDS = {
  "v1/ConfigMap": ["v1/ConfigMap", "V1ConfigMap"],
  "v1/Service": ["v1/Service", "V1Service"],
  "apps/v1/Deployment": ["apps/v1/Deployment", "V1Deployment"],
  "autoscaling/v2/HorizontalPodAutoscaler": ["autoscaling/v2/HorizontalPodAutoscaler", "V2HorizontalPodAutoscaler"],
  "policy/v1/PodDisruptionBudget": ["policy/v1/PodDisruptionBudget", "V1PodDisruptionBudget"],
};

async function attributes(type) {
  try {
    const m = await import(`@kubernetes/client-node/dist/gen/models/${type}.js`);
    return m[type]?.getAttributeTypeMap?.() ?? null;
  } catch {
    return null; // a primitive, or a type without fields of its own (IntOrString, Quantity)
  }
}

async function unknownFields(value, type, path, where) {
  if (value === null || typeof value !== "object") return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) for (const [i, v] of value.entries()) await unknownFields(v, array[1], `${path}[${i}]`, where);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [k, v] of Object.entries(value)) await unknownFields(v, map[1], `${path}.${k}`, where);
    return;
  }
  const attrs = await attributes(type);
  if (!attrs) return;
  for (const [k, v] of Object.entries(value)) {
    const a = attrs.find((x) => x.baseName === k);
    if (!a) problem(where, `${path}.${k}: no such field in ${type}`);
    else await unknownFields(v, a.type, `${path}.${k}`, where);
  }
}

const objects = [];
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) { problem(file, doc.errors[0].message); continue; }
    const o = doc.toJS();
    if (!o) continue;
    const where = `${file} ${o.kind}/${o.metadata?.name}`;
    const kind = KINDS[`${o.apiVersion}/${o.kind}`];
    if (!kind) { problem(where, `${o.apiVersion} ${o.kind} is not a kind this check knows`); continue; }
    const mod = await import(`kubernetes-models/${kind[0]}`);
    const Model = mod[o.kind] ?? mod.default;
    try {
      new Model(o).validate();
    } catch (e) {
      problem(where, `schema: ${e.message}`);
    }
    await unknownFields(o, kind[1], "", where);
    objects.push({ o, where });
  }
}

const one = (kind) => objects.find((x) => x.o.kind === kind);
const quantityBytes = (q) => {
  const m = /^(\d+)(Ki|Mi|Gi|k|M|G|m|g)?$/.exec(String(q));
  if (!m) return NaN;
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9, m: 2 ** 20, g: 2 ** 30 }[m[2]] ?? 1;
  return Number(m[1]) * unit;
};
const matches = (selector, labels) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);

const dep = one("Deployment");
const cm = one("ConfigMap");
if (dep && cm) {
  const where = dep.where;
  const pod = dep.o.spec.template.spec;
  const c = pod.containers[0];
  const conf = parse(cm.o.data["http.yaml"]);
  const ms = (v, dflt) => (v === undefined ? dflt : Number(v));
  const adminPort = Number(String(conf.admin?.listen ?? "").split(":").pop());
  const ports = Object.fromEntries((c.ports ?? []).map((p) => [p.name, p.containerPort]));
  if (!adminPort) problem(cm.where, "http.yaml has no admin.listen: the probes have nothing to ask");
  if (ports.admin !== adminPort) problem(where, `container port 'admin' is ${ports.admin}, http.yaml's admin.listen port is ${adminPort}`);
  const appPort = Number(String(conf.servers?.[0]?.listen ?? "").split(":").pop());
  if (ports.http !== appPort) problem(where, `container port 'http' is ${ports.http}, http.yaml's first server listens on ${appPort}`);
  for (const name of ["startupProbe", "readinessProbe", "livenessProbe"]) {
    const g = c[name]?.httpGet;
    if (!g) { problem(where, `${name}: missing (an httpGet on the admin port)`); continue; }
    if (g.port !== "admin" && g.port !== adminPort) problem(where, `${name} asks port ${g.port}, not the admin listener`);
    const want = name === "readinessProbe" ? "/readyz" : "/healthz";
    if (g.path !== want) problem(where, `${name} asks ${g.path}, expected ${want}`);
  }
  const sleep = c.lifecycle?.preStop?.exec?.command?.[0] === "sleep" ? Number(c.lifecycle.preStop.exec.command[1]) * 1000
    : (c.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
  if (!sleep) problem(where, "no preStop hook that waits for the endpoints to drop the pod");
  const needed = sleep + ms(conf.admin?.drain_delay_ms, 0) + ms(conf.engine?.shutdown_grace_ms, 5000)
    + ms(conf.engine?.shutdown_hooks_timeout_ms, 5000) + 5000;
  const grace = (pod.terminationGracePeriodSeconds ?? 30) * 1000;
  if (grace < needed) problem(where, `terminationGracePeriodSeconds ${grace / 1000} s < preStop + drain_delay_ms + shutdown_grace_ms + shutdown_hooks_timeout_ms + 5 s = ${needed / 1000} s`);
  const heap = quantityBytes((c.env ?? []).find((e) => e.name === "SIPHON_MAX_HEAP")?.value ?? "256m");
  const limit = quantityBytes(c.resources?.limits?.memory);
  if (!(limit >= heap + 384 * 2 ** 20)) problem(where, `memory limit ${c.resources?.limits?.memory} is below the heap + 384 MiB`);
  if (c.resources?.requests?.memory !== c.resources?.limits?.memory) problem(where, "memory request and limit differ (set them equal)");
  if (!matches(dep.o.spec.selector, dep.o.spec.template.metadata.labels)) problem(where, "selector does not match the pod template's labels");
  const vol = (pod.volumes ?? []).find((v) => v.configMap?.name === cm.o.metadata.name);
  if (!vol) problem(where, `no volume from ConfigMap ${cm.o.metadata.name}`);
  else if (!(c.volumeMounts ?? []).some((m) => m.name === vol.name && m.mountPath === "/app")) problem(where, "the ConfigMap is not mounted on /app");
  for (const k of ["http.yaml", "app.py"]) if (!cm.o.data?.[k]) problem(cm.where, `no ${k}`);
  const svc = one("Service");
  if (svc) {
    if (!matches({ matchLabels: svc.o.spec.selector }, dep.o.spec.template.metadata.labels)) problem(svc.where, "selector does not select the Deployment's pods");
    for (const p of svc.o.spec.ports) if (typeof p.targetPort === "string" && !(p.targetPort in ports)) problem(svc.where, `targetPort ${p.targetPort} is not a container port`);
    if (svc.o.spec.ports.some((p) => p.targetPort === "admin" || p.targetPort === adminPort)) problem(svc.where, "exposes the admin port");
  }
  const hpa = one("HorizontalPodAutoscaler");
  if (hpa && (hpa.o.spec.scaleTargetRef.kind !== "Deployment" || hpa.o.spec.scaleTargetRef.name !== dep.o.metadata.name)) problem(hpa.where, "does not scale the Deployment");
  if (hpa && !c.resources?.requests?.cpu) problem(where, "no CPU request: the autoscaler's utilization needs one");
  const pdb = one("PodDisruptionBudget");
  if (pdb && !matches(pdb.o.spec.selector, dep.o.spec.template.metadata.labels)) problem(pdb.where, "selector does not match the Deployment's pods");
}

for (const p of problems) console.log(p);
console.log(`${objects.length} objects, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
