using System.Collections.Concurrent;

namespace SpiralAnalytics.Infrastructure.Ask;

/// <summary>
/// The jobs running in this process and how to stop each: a cancel request made on this node cancels at once; one made
/// on another node reaches the job through its row (the pipeline polls <c>cancel_requested_at</c>).
/// </summary>
public sealed class JobCancellations
{
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();

    /// <summary>A token that is cancelled by <paramref name="outer"/> (shutdown) or by <see cref="Cancel"/>; dispose when the run ends.</summary>
    public Registration Register(Guid jobId, CancellationToken outer)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _running[jobId] = source;
        return new Registration(this, jobId, source);
    }

    /// <summary>Cancels the job if it runs in this process.</summary>
    public bool Cancel(Guid jobId)
    {
        if (!_running.TryGetValue(jobId, out var source))
        {
            return false;
        }

        try
        {
            source.Cancel();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public sealed class Registration(JobCancellations owner, Guid jobId, CancellationTokenSource source) : IDisposable
    {
        public CancellationToken Token => source.Token;

        public void Cancel() => source.Cancel();

        public void Dispose()
        {
            owner._running.TryRemove(new KeyValuePair<Guid, CancellationTokenSource>(jobId, source));
            source.Dispose();
        }
    }
}
