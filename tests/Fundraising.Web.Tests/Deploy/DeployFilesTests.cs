using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Fundraising.Web.Tests.Operations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using static Fundraising.Web.Tests.Deploy.DeployFiles;

namespace Fundraising.Web.Tests.Deploy;

/// <summary>
/// The compose file, the Kubernetes manifests and the Dockerfile cannot run on this machine (no registry, no cluster):
/// these tests check what can be checked without one, by parsing them and cross-checking them against each other and
/// against the code.
/// </summary>
public sealed partial class DeployFilesTests
{
    /// <summary>The health endpoints the probes may use: the web host's and the standalone silo's (on Health:Port, 8081).</summary>
    private static readonly string[] HealthPaths = ["/health/live", "/health/ready"];

    private const int SiloHealthPort = 8081;

    /// <summary>Where the metrics listener (Metrics:Port) serves the Prometheus text, on silos and front ends alike.</summary>
    private const string ScrapePath = "/metrics";

    /// <summary>Variables the programs read that are not configuration keys: the .NET host's and the Kubernetes hosting package's.</summary>
    private static readonly string[] HostVariables = ["ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_HTTP_PORTS", "POD_NAME", "POD_NAMESPACE", "POD_IP"];

    /// <summary>Keys whose values are secrets: never written in a deploy file, only referenced.</summary>
    private static readonly string[] SecretKeys =
    [
        "ConnectionStrings__Fundraising", "Admin__ApiKey", "Receipts__TokenSecret", "Donors__AddressKey", "MonthlyGiving__TokenSecret",
        "Donors__Smtp__Password", "Payments__Stripe__SecretKey", "Payments__Stripe__WebhookSecrets", "Leaderboards__KeySecret",
    ];

    private static readonly IReadOnlyList<(string File, JsonObject Manifest)> Manifests = KubernetesManifests();

    [Fact]
    public void EveryYamlFileUnderComposeAndKubernetesParsesAndEveryManifestHasAnApiVersionAKindAndAName()
    {
        Assert.NotEmpty(YamlFilesUnder(Folder("compose")));
        Assert.True(Manifests.Count >= 10, $"only {Manifests.Count} manifests under deploy/kubernetes");
        foreach (var (file, manifest) in Manifests)
        {
            Assert.False(string.IsNullOrWhiteSpace((string?)manifest["apiVersion"]), $"{file}: a manifest without apiVersion");
            Assert.False(string.IsNullOrWhiteSpace((string?)manifest["kind"]), $"{file}: a manifest without kind");
            Assert.False(string.IsNullOrWhiteSpace((string?)manifest["metadata"]?["name"]), $"{file}: a {manifest["kind"]} without metadata.name");
            if ((string)manifest["kind"]! is not "Namespace")
            {
                Assert.Equal("fundraising", (string?)manifest["metadata"]!["namespace"]);
            }
        }
        var kinds = Manifests.Select(m => (string)m.Manifest["kind"]!).ToHashSet();
        Assert.Subset(kinds, new HashSet<string> { "Namespace", "Secret", "ConfigMap", "ServiceAccount", "Role", "RoleBinding", "Deployment", "Service", "Ingress", "PodDisruptionBudget" });
    }

    [Fact]
    public void EveryDeploymentSelectsItsOwnPodTemplateAndTheSilosAndFrontEndsHaveTheReplicasAsked()
    {
        var deployments = Manifests.OfKind("Deployment").ToList();
        foreach (var deployment in deployments)
        {
            var selector = Labels(deployment["spec"]!["selector"]!["matchLabels"]);
            Assert.True(Selects(selector, Labels(deployment["spec"]!["template"]!["metadata"]!["labels"])), $"{deployment.Name()}: its selector misses its pod template");
            foreach (var other in deployments.Where(d => d != deployment))
            {
                Assert.False(Selects(selector, Labels(other["spec"]!["template"]!["metadata"]!["labels"])), $"{deployment.Name()} also selects the pods of {other.Name()}");
            }
        }
        Assert.Equal("3", (string?)Silo()["spec"]!["replicas"]);
        Assert.Equal("2", (string?)Web()["spec"]!["replicas"]);
    }

    [Fact]
    public void EveryDisruptionBudgetCoversADeploymentAndTheSilosLoseAtMostOneAtATime()
    {
        var budgets = Manifests.OfKind("PodDisruptionBudget").ToList();
        Assert.NotEmpty(budgets);
        foreach (var budget in budgets)
        {
            var selector = Labels(budget["spec"]!["selector"]!["matchLabels"]);
            Assert.True(PodTemplates().Any(pod => Selects(selector, pod.Labels)), $"{budget.Name()} selects no Deployment's pods");
        }
        var silos = Assert.Single(budgets, b => Selects(Labels(b["spec"]!["selector"]!["matchLabels"]), PodLabels(Silo())));
        Assert.Equal("1", (string?)silos["spec"]!["maxUnavailable"]);
    }

    [Fact]
    public void EveryServiceSelectsPodsOfADeploymentAndTargetsAPortTheirContainersDeclare()
    {
        foreach (var service in Manifests.OfKind("Service"))
        {
            var selector = Labels(service["spec"]!["selector"]);
            var pods = PodTemplates().Where(pod => Selects(selector, pod.Labels)).ToList();
            Assert.True(pods.Count > 0, $"Service {service.Name()} selects no pods");
            foreach (var port in service["spec"]!["ports"]!.AsArray())
            {
                var target = (string?)port!["targetPort"] ?? (string)port["port"]!;
                Assert.True(pods.All(pod => DeclaresPort(pod.Deployment, target)), $"Service {service.Name()} targets port {target}, which its pods do not declare");
            }
        }
        var ingressBackends = Manifests.OfKind("Ingress").SelectMany(i => i["spec"]!["rules"]!.AsArray())
            .SelectMany(rule => rule!["http"]!["paths"]!.AsArray()).Select(path => path!["backend"]!["service"]!).ToList();
        Assert.NotEmpty(ingressBackends);
        foreach (var backend in ingressBackends)
        {
            var service = Assert.Single(Manifests.OfKind("Service"), s => s.Name() == (string)backend["name"]!);
            Assert.Contains(service["spec"]!["ports"]!.AsArray(), port => (string?)port!["name"] == (string?)backend["port"]!["name"]);
        }
    }

    [Fact]
    public void TheIngressKeepsABrowserOnOneFrontEndWithACookie()
    {
        var annotations = Manifests.OfKind("Ingress").Single()["metadata"]!["annotations"]!;
        Assert.Equal("cookie", (string?)annotations["nginx.ingress.kubernetes.io/affinity"]);
        Assert.False(string.IsNullOrEmpty((string?)annotations["nginx.ingress.kubernetes.io/session-cookie-name"]));
        Assert.True(int.Parse((string)annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]!) >= 600, "WebSockets need a long read timeout");
    }

    [Fact]
    public void EveryProbeUsesAHealthPathOnAPortItsContainerDeclares()
    {
        foreach (var deployment in Manifests.OfKind("Deployment"))
        {
            foreach (var container in Containers(deployment))
            {
                foreach (var kind in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
                {
                    var probe = container[kind]?["httpGet"];
                    Assert.True(probe is not null, $"{deployment.Name()}/{container["name"]}: no HTTP {kind}");
                    Assert.Contains((string)probe!["path"]!, HealthPaths);
                    Assert.True(DeclaresPort(deployment, (string)probe["port"]!), $"{deployment.Name()}: {kind} on undeclared port {probe["port"]}");
                }
                Assert.Equal("/health/ready", (string?)container["readinessProbe"]!["httpGet"]!["path"]);
                Assert.Equal("/health/live", (string?)container["livenessProbe"]!["httpGet"]!["path"]);
            }
        }
        // The silo's health endpoints are on their own port (Health:Port, 8081 unless configured), the web host's on its HTTP port.
        Assert.Equal(SiloHealthPort.ToString(), ContainerPort(Silo(), (string)Containers(Silo()).Single()["readinessProbe"]!["httpGet"]!["port"]!));
        Assert.Equal("8080", ContainerPort(Web(), (string)Containers(Web()).Single()["readinessProbe"]!["httpGet"]!["port"]!));

        foreach (var (name, service) in ComposeServices().Where(s => s.Key.StartsWith("silo-", StringComparison.Ordinal) || s.Key.StartsWith("web-", StringComparison.Ordinal)))
        {
            var test = service["healthcheck"]!["test"]!.AsArray().Select(a => (string)a!).ToList();
            Assert.Equal(["CMD", "/app/entrypoint.sh", "probe", name.StartsWith("silo", StringComparison.Ordinal) ? SiloHealthPort.ToString() : "8080", "/health/ready"], test);
        }
    }

    [Fact]
    public async Task TheWebFrontEndAnswersEveryProbePathOfItsPodsAndComposeHealthchecks()
    {
        var paths = Containers(Web()).SelectMany(c => new[] { "startupProbe", "livenessProbe", "readinessProbe" }.Select(p => (string)c[p]!["httpGet"]!["path"]!))
            .Concat(ComposeServices().Where(s => s.Key.StartsWith("web-", StringComparison.Ordinal)).Select(s => (string)s.Value["healthcheck"]!["test"]![4]!))
            .Distinct().ToList();
        Assert.Equal(HealthPaths.Order(), paths.Order());

        await using var database = await TestDatabase.CreateAsync();
        await using var web = await Platform.StartCoHostedWebAsync(database);
        foreach (var path in paths)
        {
            var status = (await web.Client.GetAsync(path)).StatusCode;
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"GET {path}: {(int)status}");
        }
        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public void EveryEnvironmentVariableOfTheDeployFilesNamesAKeyTheAppsBind()
    {
        var keys = BoundKeys();
        Assert.True(keys.Count > 40, $"only {keys.Count} keys read from README");
        // The reader itself: it must refuse what the apps do not bind, or the check below proves nothing.
        Assert.False(keys.Binds("Orleans__AdvertisedAddress"));
        Assert.False(keys.Binds("Donors__Smtp__Passwd"));
        Assert.True(keys.Binds("Donors__Smtp__UseTls") && keys.Binds("RateLimits__Donations__PermitLimit") && keys.Binds("Orleans__Membership__ProbeTimeout"));

        var variables = new List<(string Where, string Name)>();
        foreach (var deployment in Manifests.OfKind("Deployment"))
        {
            variables.AddRange(Containers(deployment).SelectMany(c => c["env"]!.AsArray()).Select(e => (deployment.Name(), (string)e!["name"]!)));
        }
        variables.AddRange(Manifests.OfKind("ConfigMap").SelectMany(map => map["data"]!.AsObject().Select(d => (map.Name(), d.Key))));
        foreach (var (name, service) in ComposeServices().Where(s => s.Key != "postgres" && s.Key != "nginx"))
        {
            variables.AddRange((service["environment"]?.AsObject() ?? []).Select(e => ($"compose {name}", e.Key)));
        }
        variables.AddRange(EnvFileKeys(Folder("compose", "fundraising.env.example")).Select(key => ("fundraising.env.example", key)));

        Assert.True(variables.Count > 30);
        var unbound = variables.Where(v => !HostVariables.Contains(v.Name) && !keys.Binds(v.Name)).ToList();
        Assert.True(unbound.Count == 0, "Not keys the apps bind: " + string.Join(", ", unbound.Select(u => $"{u.Name} ({u.Where})")));
    }

    [Fact]
    public void SecretsAreOnlyReferencedAndEverySecretReferencePointsIntoTheSecretTemplate()
    {
        var template = Assert.Single(Manifests.OfKind("Secret"));
        var templateKeys = template["stringData"]!.AsObject().Select(k => k.Key).ToHashSet();
        Assert.All(template["stringData"]!.AsObject(), entry => Assert.Contains("REPLACE_ME", (string)entry.Value!, StringComparison.Ordinal));

        var references = Manifests.OfKind("Deployment").SelectMany(Containers).SelectMany(c => c["env"]!.AsArray())
            .Where(e => e!["valueFrom"]?["secretKeyRef"] is not null).Select(e => e!["valueFrom"]!["secretKeyRef"]!).ToList();
        Assert.NotEmpty(references);
        foreach (var reference in references)
        {
            Assert.Equal(template.Name(), (string?)reference["name"]);
            Assert.Contains((string)reference["key"]!, templateKeys);
        }
        // Every key of the template is used somewhere, and every secret the apps need is referenced, never written.
        Assert.Equal(templateKeys.Order(), references.Select(r => (string)r["key"]!).Distinct().Order());
        foreach (var deployment in Manifests.OfKind("Deployment"))
        {
            foreach (var env in Containers(deployment).SelectMany(c => c["env"]!.AsArray()).Where(e => SecretKeys.Contains((string)e!["name"]!)))
            {
                Assert.True(env!["value"] is null && env["valueFrom"]?["secretKeyRef"] is not null, $"{deployment.Name()}: {env["name"]} is not from the Secret");
            }
        }
        Assert.DoesNotContain(Manifests.OfKind("ConfigMap").SelectMany(m => m["data"]!.AsObject()), d => SecretKeys.Contains(d.Key));
        foreach (var (name, service) in ComposeServices())
        {
            Assert.DoesNotContain((service["environment"]?.AsObject() ?? []), e => SecretKeys.Contains(e.Key) || e.Key.Contains("PASSWORD", StringComparison.OrdinalIgnoreCase));
        }
        // The env files compose reads are not in git; an example of each is.
        foreach (var envFile in ComposeServices().Values.SelectMany(s => s["env_file"]?.AsArray() ?? []).Select(f => (string)f!).Distinct())
        {
            Assert.True(File.Exists(Folder("compose", envFile + ".example")), $"no {envFile}.example");
            Assert.Contains("deploy/compose/*.env", File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, ".gitignore")), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheSilosFollowTheKubernetesHostingConventionsAndMayReadTheirPods()
    {
        var silo = Silo();
        var labels = PodLabels(silo);
        var config = Manifests.OfKind("ConfigMap").Single()["data"]!;
        Assert.Equal((string?)config["Orleans__ClusterId"], labels["orleans/clusterId"]);
        Assert.Equal((string?)config["Orleans__ServiceId"], labels["orleans/serviceId"]);
        Assert.DoesNotContain("orleans/clusterId", PodLabels(Web()).Keys);

        var env = Containers(silo).Single()["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => e!);
        Assert.Equal("true", (string?)env["Orleans__Kubernetes"]["value"]);
        Assert.Equal("metadata.name", (string?)env["POD_NAME"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("metadata.namespace", (string?)env["POD_NAMESPACE"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("status.podIP", (string?)env["POD_IP"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("Client", (string?)Containers(Web()).Single()["env"]!.AsArray().Single(e => (string)e!["name"]! == "Orleans__Mode")!["value"]);

        var account = (string)silo["spec"]!["template"]!["spec"]!["serviceAccountName"]!;
        Assert.Contains(Manifests.OfKind("ServiceAccount"), a => a.Name() == account);
        var binding = Assert.Single(Manifests.OfKind("RoleBinding"), b => b["subjects"]!.AsArray().Any(s => (string)s!["name"]! == account));
        var role = Assert.Single(Manifests.OfKind("Role"), r => r.Name() == (string)binding["roleRef"]!["name"]!);
        var podRule = Assert.Single(role["rules"]!.AsArray(), rule => rule!["resources"]!.AsArray().Any(r => (string)r! == "pods"));
        Assert.Subset(podRule!["verbs"]!.AsArray().Select(v => (string)v!).ToHashSet(), new HashSet<string> { "get", "list", "watch" });

        // ADO.NET clustering: the connection string comes from the Secret, for silos and front ends alike.
        foreach (var deployment in new[] { silo, Web() })
        {
            var connection = Containers(deployment).Single()["env"]!.AsArray().Single(e => (string)e!["name"]! == "ConnectionStrings__Fundraising");
            Assert.NotNull(connection!["valueFrom"]!["secretKeyRef"]);
        }
    }

    [Fact]
    public void TheTerminationGraceOutlastsTheHostsShutdownTimeoutAndEveryContainerHasResources()
    {
        var shutdown = int.Parse((string)Manifests.OfKind("ConfigMap").Single()["data"]!["shutdownTimeoutSeconds"]!);
        Assert.True(shutdown > 30, "the shutdown timeout is the .NET default of 30 s or less");
        foreach (var deployment in Manifests.OfKind("Deployment"))
        {
            var grace = int.Parse((string)deployment["spec"]!["template"]!["spec"]!["terminationGracePeriodSeconds"]!);
            var preStop = Containers(deployment).Select(c => c["lifecycle"]?["preStop"]?["exec"]?["command"]?.AsArray())
                .Sum(command => command is [var sleep, var seconds] && (string)sleep! == "sleep" ? int.Parse((string)seconds!) : 0);
            Assert.True(grace > shutdown + preStop, $"{deployment.Name()}: grace {grace} s, shutdown {shutdown} s plus preStop {preStop} s");
            foreach (var container in Containers(deployment))
            {
                Assert.All(new[] { "requests", "limits" }, part => Assert.NotNull(container["resources"]?[part]?["cpu"]));
                Assert.All(new[] { "requests", "limits" }, part => Assert.NotNull(container["resources"]?[part]?["memory"]));
            }
        }
        foreach (var (name, service) in ComposeServices().Where(s => s.Key.StartsWith("silo-", StringComparison.Ordinal) || s.Key.StartsWith("web-", StringComparison.Ordinal)))
        {
            var composeShutdown = int.Parse((string)service["environment"]!["shutdownTimeoutSeconds"]!);
            var stopGrace = int.Parse(((string)service["stop_grace_period"]!).TrimEnd('s'));
            Assert.True(stopGrace > composeShutdown, $"compose {name}: stop_grace_period {stopGrace} s, shutdown {composeShutdown} s");
        }
    }

    [Fact]
    public async Task TheWebHostTakesTheShutdownTimeoutTheDeployFilesSetFromTheEnvironment()
    {
        var configured = (string)Manifests.OfKind("ConfigMap").Single()["data"]!["shutdownTimeoutSeconds"]!;
        await using var database = await TestDatabase.CreateAsync();
        await using var web = await Platform.StartCoHostedWebAsync(database, new Dictionary<string, string> { ["shutdownTimeoutSeconds"] = configured });

        var options = web.Services!.GetRequiredService<IOptions<HostOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(int.Parse(configured)), options.ShutdownTimeout);
    }

    [Fact]
    public void ComposeDependsOnServicesThatExistAndWaitsForTheirHealth()
    {
        var services = ComposeServices();
        Assert.Equal(3, services.Keys.Count(k => k.StartsWith("silo-", StringComparison.Ordinal)));
        Assert.Equal(2, services.Keys.Count(k => k.StartsWith("web-", StringComparison.Ordinal)));
        foreach (var (name, service) in services)
        {
            foreach (var (dependency, condition) in service["depends_on"]?.AsObject() ?? [])
            {
                Assert.True(services.ContainsKey(dependency), $"{name} depends on {dependency}, which is not a service");
                Assert.Equal("service_healthy", (string?)condition!["condition"]);
                Assert.NotNull(services[dependency]["healthcheck"]);
            }
        }
        Assert.Contains("postgres", services["silo-1"]["depends_on"]!.AsObject().Select(d => d.Key));
        Assert.All(services.Where(s => s.Key.StartsWith("web-", StringComparison.Ordinal)), web => Assert.Equal("Client", (string?)web.Value["environment"]!["Orleans__Mode"]));
    }

    [Fact]
    public void EachComposeSiloAdvertisesItsOwnAddressAndNginxBalancesTheFrontEndsByCookie()
    {
        var services = ComposeServices();
        string Address(JsonObject service) => (string)service["networks"]!["cluster"]!["ipv4_address"]!;
        var silos = services.Where(s => s.Key.StartsWith("silo-", StringComparison.Ordinal)).Select(s => s.Value).ToList();
        Assert.All(silos, silo => Assert.Equal(Address(silo), (string?)silo["environment"]!["Orleans__AdvertisedIPAddress"]));
        Assert.Equal(silos.Count, silos.Select(Address).Distinct().Count());
        Assert.All(services.Where(s => s.Key.StartsWith("web-", StringComparison.Ordinal)),
            web => Assert.Equal(Address(services["nginx"]), (string?)web.Value["environment"]!["ForwardedHeaders__KnownProxies"]));

        var mount = (string)services["nginx"]["volumes"]![0]!;
        var config = File.ReadAllText(Path.Combine(Folder("compose"), mount.Split(':')[0]));
        var upstreams = NginxServer().Matches(config).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
        Assert.Equal(services.Keys.Where(k => k.StartsWith("web-", StringComparison.Ordinal)).Order(), upstreams.Select(u => u.Item1).Order());
        Assert.All(upstreams, upstream => Assert.Equal("8080", upstream.Item2));
        Assert.Matches(@"hash \$balance_key consistent;", config);
        Assert.Matches(@"map \$cookie_fundraising_lb \$balance_key", config);
        Assert.Matches(@"add_header Set-Cookie \$balance_cookie", config);
        Assert.Matches(@"proxy_set_header Upgrade \$http_upgrade;", config);
    }

    [Fact]
    public void TheDockerfileCopiesOnlyWhatTheRepositoryHasAndTheBuildContextKeeps()
    {
        var root = TestEnvironment.RepositoryRoot;
        var dockerfile = File.ReadAllLines(Path.Combine(root, "deploy", "docker", "Dockerfile"));
        var ignored = File.ReadAllLines(Path.Combine(root, ".dockerignore")).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var copies = dockerfile.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal)).ToList();
        Assert.True(copies.Count >= 4);
        foreach (var copy in copies)
        {
            var arguments = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
            foreach (var source in arguments[..^1])
            {
                Assert.True(File.Exists(Path.Combine(root, source)) || Directory.Exists(Path.Combine(root, source)), $"COPY {source}: not in the repository");
                Assert.DoesNotContain(ignored, pattern => !pattern.Contains('*') && source.StartsWith(pattern.TrimEnd('/'), StringComparison.Ordinal));
            }
        }
        // The image runs as a non-root user and starts through the entrypoint, which compose's healthchecks also use.
        Assert.Contains(dockerfile, l => l.StartsWith("USER ", StringComparison.Ordinal) && !l.Contains("root", StringComparison.Ordinal));
        Assert.Contains(dockerfile, l => l == "ENTRYPOINT [\"/app/entrypoint.sh\"]");
        Assert.Contains("web", dockerfile.Single(l => l.StartsWith("CMD ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.All(Manifests.OfKind("Deployment").SelectMany(Containers), c => Assert.Contains((string)c["args"]![0]!, new[] { "silo", "web" }));
    }

    [Fact]
    public void InKubernetesTheMetricsPortIsOneNumberInTheSettingsThePodsPortsTheirAnnotationsAndTheServiceMonitor()
    {
        var config = Manifests.OfKind("ConfigMap").Single()["data"]!;
        var port = (string)config["Metrics__Port"]!;
        Assert.InRange(int.Parse(port), 1, 65535);
        // The listener is on loopback unless told otherwise: a scraper in another pod would find nothing.
        Assert.Equal("0.0.0.0", (string?)config["Metrics__Address"]);
        foreach (var deployment in new[] { Silo(), Web() })
        {
            Assert.DoesNotContain(Containers(deployment).SelectMany(c => c["env"]!.AsArray()), e => ((string)e!["name"]!).StartsWith("Metrics__", StringComparison.Ordinal));
            Assert.Equal(port, ContainerPort(deployment, "metrics"));
            var annotations = deployment["spec"]!["template"]!["metadata"]!["annotations"]!;
            Assert.Equal("true", (string?)annotations["prometheus.io/scrape"]);
            Assert.Equal(port, (string?)annotations["prometheus.io/port"]);
            Assert.Equal(ScrapePath, (string?)annotations["prometheus.io/path"]);
        }

        // The ServiceMonitor is optional: outside the folder `kubectl apply -f deploy/kubernetes/` applies.
        var (file, monitor) = Assert.Single(Manifests, m => (string?)m.Manifest["kind"] == "ServiceMonitor");
        Assert.Equal("monitoring", Path.GetFileName(Path.GetDirectoryName(file)));
        Assert.Equal("monitoring.coreos.com/v1", (string?)monitor["apiVersion"]);
        Assert.Contains("fundraising", monitor["spec"]!["namespaceSelector"]!["matchNames"]!.AsArray().Select(n => (string)n!));
        var selector = Labels(monitor["spec"]!["selector"]!["matchLabels"]);
        var services = Manifests.OfKind("Service").Where(service => Selects(selector, Labels(service["metadata"]!["labels"]))).ToList();
        var endpoint = Assert.Single(monitor["spec"]!["endpoints"]!.AsArray())!;
        Assert.Equal(ScrapePath, (string?)endpoint["path"]);
        // Every silo and front end pod is behind a monitored Service whose named port reaches the pods' metrics port.
        foreach (var deployment in new[] { Silo(), Web() })
        {
            var service = Assert.Single(services, s => Selects(Labels(s["spec"]!["selector"]), PodLabels(deployment)));
            var servicePort = Assert.Single(service["spec"]!["ports"]!.AsArray(), p => (string?)p!["name"] == (string?)endpoint["port"])!;
            Assert.Equal(port, ContainerPort(deployment, (string)servicePort["targetPort"]!));
        }
    }

    [Fact]
    public void InComposeEverySiloAndFrontEndIsScrapedByPrometheusOnItsOwnMetricsPort()
    {
        var services = ComposeServices();
        var prometheus = services["prometheus"];
        var mount = ((string)prometheus["volumes"]![0]!).Split(':');
        Assert.Contains($"--config.file={mount[1]}", prometheus["command"]!.AsArray().Select(a => (string)a!));
        Assert.All(prometheus["ports"]!.AsArray(), published => Assert.StartsWith("127.0.0.1:", (string)published!, StringComparison.Ordinal));
        var scrape = Documents(Path.Combine(Folder("compose"), mount[0])).Single();

        var expected = services.Where(s => s.Key.StartsWith("silo-", StringComparison.Ordinal) || s.Key.StartsWith("web-", StringComparison.Ordinal))
            .Select(s =>
            {
                var environment = s.Value["environment"]!;
                Assert.Equal("0.0.0.0", (string?)environment["Metrics__Address"]);
                return $"{s.Key}:{(string)environment["Metrics__Port"]!}";
            })
            .Order().ToList();
        Assert.Equal(5, expected.Count);
        var jobs = scrape["scrape_configs"]!.AsArray().Select(job => job!).ToList();
        Assert.All(jobs, job => Assert.Equal(ScrapePath, (string?)job["metrics_path"]));
        var targets = jobs.SelectMany(job => job["static_configs"]!.AsArray()).SelectMany(c => c!["targets"]!.AsArray()).Select(t => (string)t!).Order().ToList();
        Assert.Equal(expected, targets);
    }

    [Fact]
    public void BehindTheIngressTheFrontEndsTrustTheNetworksTheDeployFileNamesAndNothingWider()
    {
        var env = Containers(Web()).Single()["env"]!.AsArray().Single(e => (string)e!["name"]! == "ForwardedHeaders__KnownNetworks")!;
        var value = (string)env["value"]!;
        // Read the way the web host reads it (a value it would refuse fails here too).
        var section = new ConfigurationBuilder().AddInMemoryCollection([new("ForwardedHeaders:KnownNetworks", value)]).Build().GetSection("ForwardedHeaders");
        var networks = Fundraising.Web.Http.ClientAddress.KnownNetworks(section);
        Assert.NotEmpty(networks);
        // A private network, never "everyone": a prefix of 0 would let any client pick its own address.
        Assert.All(networks, network => Assert.True(network.PrefixLength >= 8 && (network.BaseAddress.IsIPv6UniqueLocal || IsPrivate(network.BaseAddress)), $"{network} is not a private network"));
        // The silos serve no HTTP the ingress reaches: they are not told to trust anyone.
        Assert.DoesNotContain(Containers(Silo()).SelectMany(c => c["env"]!.AsArray()), e => ((string)e!["name"]!).StartsWith("ForwardedHeaders__", StringComparison.Ordinal));
        Assert.DoesNotContain(Manifests.OfKind("ConfigMap").SelectMany(m => m["data"]!.AsObject()), d => d.Key.StartsWith("ForwardedHeaders__", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheWebFrontEndServesTheDeployFilesScrapePathOnItsMetricsPortWithoutSignIn()
    {
        var port = TestEnvironment.FreePort();
        await using var database = await TestDatabase.CreateAsync();
        // The deploy files' address is 0.0.0.0; tests bind loopback only, and the path is the same.
        await using var web = await Platform.StartCoHostedWebAsync(database, new Dictionary<string, string> { ["Metrics__Port"] = $"{port}" });
        await ApiCalls.DonateAsync(web.Client, await ApiCalls.CreateLiveCampaignAsync(web), 1_000);

        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using var scrape = await scraper.GetAsync(ScrapePath);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        var text = await scrape.Content.ReadAsStringAsync();
        Assert.True(ObservabilityCalls.Sum(text, "fundraising_donations_acknowledged_total") >= 1);
        Assert.Contains("\norleans_", text, StringComparison.Ordinal);
        Assert.Contains("\nhttp_server_request_duration_seconds_bucket", text, StringComparison.Ordinal);
        // The public port's /metrics still asks for a staff account.
        using var anonymous = new HttpClient { BaseAddress = web.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(ScrapePath)).StatusCode);
    }

    private static JsonObject Silo() => Manifests.OfKind("Deployment").Single(d => d.Name() == "fundraising-silo");

    private static JsonObject Web() => Manifests.OfKind("Deployment").Single(d => d.Name() == "fundraising-web");

    private static IReadOnlyDictionary<string, string> PodLabels(JsonNode deployment) => Labels(deployment["spec"]!["template"]!["metadata"]!["labels"]);

    private static IEnumerable<(JsonObject Deployment, IReadOnlyDictionary<string, string> Labels)> PodTemplates() =>
        Manifests.OfKind("Deployment").Select(d => (d, PodLabels(d)));

    /// <summary>The container port a probe or Service target names (by name or number), or null.</summary>
    private static string? ContainerPort(JsonNode deployment, string port) =>
        Containers(deployment).SelectMany(c => c["ports"]!.AsArray())
            .Where(p => (string?)p!["name"] == port || (string?)p!["containerPort"] == port)
            .Select(p => (string?)p!["containerPort"]).FirstOrDefault();

    private static bool DeclaresPort(JsonNode deployment, string port) => ContainerPort(deployment, port) is not null;

    private static bool IsPrivate(IPAddress address) =>
        address.GetAddressBytes() is [10, ..] or [172, >= 16 and < 32, ..] or [192, 168, ..];

    private static IEnumerable<string> EnvFileKeys(string path) =>
        File.ReadAllLines(path).Where(l => l.Contains('=') && !l.StartsWith('#')).Select(l => l[..l.IndexOf('=')]);

    [GeneratedRegex(@"^\s*server ([a-z0-9-]+):(\d+)", RegexOptions.Multiline)]
    private static partial Regex NginxServer();
}
