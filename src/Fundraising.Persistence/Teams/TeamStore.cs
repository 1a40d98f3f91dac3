using Fundraising.Contracts.Teams;
using Npgsql;

namespace Fundraising.Persistence.Teams;

/// <summary>Teams (一起捐): SQL and mapping only. A team's totals are never stored; its event's boards sum its gifts.</summary>
public sealed class TeamStore(NpgsqlDataSource dataSource)
{
    public async Task CreateAsync(TeamRecord team, Guid createdBy, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO teams (id, event_id, campaign_id, name, goal_amount, story, created_by, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """);
        command.Parameters.Add(new() { Value = team.Id });
        command.Parameters.Add(new() { Value = team.EventId });
        command.Parameters.Add(new() { Value = team.CampaignId });
        command.Parameters.Add(new() { Value = team.Name });
        command.Parameters.Add(new() { Value = team.GoalAmount });
        command.Parameters.Add(new() { Value = (object?)team.Story ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = createdBy });
        command.Parameters.Add(new() { Value = team.CreatedAt.UtcDateTime });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The team, or null when there is none with this id.</summary>
    public async Task<TeamRecord?> FindAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT id, campaign_id, event_id, name, goal_amount, story, created_at FROM teams WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadTeam(reader) : null;
    }

    /// <summary>Maps columns id, campaign_id, event_id, name, goal_amount, story, created_at.</summary>
    internal static TeamRecord ReadTeam(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetInt64(4),
        reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6));
}
