using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Fundraising.TestSupport;

namespace Fundraising.Web.Tests.Operations;

/// <summary>
/// A tiny OTLP/HTTP receiver on 127.0.0.1: accepts <c>POST /v1/traces</c> (protobuf) and keeps each body. The bodies are
/// not decoded; span, scope and attribute names are UTF-8 strings inside them, which is enough to see what arrived.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public OtlpReceiver()
    {
        var port = TestEnvironment.FreePort();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Endpoint { get; }

    /// <summary>The bodies of the trace exports received so far.</summary>
    public ConcurrentQueue<byte[]> TraceExports { get; } = new();

    /// <summary>Every export's bytes read as text, for looking up names.</summary>
    public string Text => string.Join("\n", TraceExports.Select(body => Encoding.UTF8.GetString(body)));

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var isTraces = context.Request.HttpMethod == "POST" && context.Request.Url?.AbsolutePath == "/v1/traces"
                && context.Request.ContentType?.StartsWith("application/x-protobuf", StringComparison.Ordinal) == true;
            if (isTraces)
            {
                TraceExports.Enqueue(body.ToArray());
            }
            // An empty ExportTraceServiceResponse is an empty protobuf message.
            context.Response.StatusCode = isTraces ? 200 : 404;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
