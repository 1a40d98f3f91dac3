using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Fundraising.Persistence.Accounts;
using Fundraising.Persistence.Audit;
using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Donors;
using Fundraising.Persistence.Events;
using Fundraising.Persistence.Payments;
using Fundraising.Persistence.Pledges;
using Fundraising.Persistence.Receipts;
using Fundraising.Persistence.Ledger;
using Fundraising.Persistence.Matching;
using Fundraising.Persistence.MonthlyGiving;
using Npgsql;

namespace Fundraising.Persistence;

public static class PersistenceExtensions
{
    /// <summary>
    /// Registers the PostgreSQL data source and, unless turned off, a hosted service that migrates the
    /// schema at start. Call it before Orleans is added: the clustering provider reads its queries from
    /// the schema when the silo starts, and hosted services start in registration order.
    /// </summary>
    public static IHostApplicationBuilder AddFundraisingDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>()
            .Configure<IConfiguration>((options, configuration) =>
            {
                options.ConnectionString = configuration.GetConnectionString("Fundraising") ?? "";
                if (bool.TryParse(configuration["Database:MigrateOnStart"], out var migrate))
                {
                    options.MigrateOnStart = migrate;
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(sp =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString);
            var settings = dataSource.ConnectionStringBuilder;
            // With thousands of campaigns each committing small batches, parsing and planning the ledger's
            // statements cost more than running them (spread scenario: 0.8 ms per one-row insert). Statements
            // used twice on a connection are prepared there, unless the connection string says otherwise.
            if (settings.MaxAutoPrepare == 0)
            {
                settings.MaxAutoPrepare = 64;
                settings.AutoPrepareMinUsages = 2;
            }
            // The platform keeps no session state on pooled connections (its locks are transaction-scoped,
            // the migrator releases its own), so the DISCARD ALL round trip on every return to the pool is waste.
            settings.NoResetOnClose = true;
            return dataSource.Build();
        });
        builder.Services.AddSingleton<DatabaseMigrator>();
        builder.Services.AddSharedLedgerWriter();
        builder.Services.AddSingleton<ILedgerQueries, PostgresLedgerQueries>();
        builder.Services.AddSingleton<ICampaignCatalog, PostgresCampaignCatalog>();
        builder.Services.AddSingleton<IPledgeStore, PledgeStore>();
        builder.Services.AddSingleton<EventStore>();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<AccountStore>();
        builder.Services.AddSingleton<SessionTicketStore>();
        builder.Services.AddSingleton<DataProtectionKeyRepository>();
        builder.Services.AddSingleton<ReceiptIssuer>();
        builder.Services.AddSingleton<StripeRecords>();
        builder.Services.AddSingleton<MonthlyGiftStore>();
        builder.Services.AddSingleton<DonorStore>();
        builder.Services.AddSingleton<PoolStore>();
        builder.Services.AddSingleton<ICampaignPools>(sp => sp.GetRequiredService<PoolStore>());
        builder.Services.AddSingleton<Leaderboards.BoardStore>();
        builder.Services.AddSingleton<Teams.TeamStore>();
        builder.Services.AddSingleton<Leaderboards.ICampaignEvents, Leaderboards.PostgresCampaignEvents>();
        // Village projects: claims, sub-plans, photos, posts, the feed's history.
        builder.Services.AddSingleton<Villages.VillageStore>();
        builder.Services.AddSingleton<Villages.IVillageProjects>(sp => sp.GetRequiredService<Villages.VillageStore>());
        builder.Services.AddSingleton<Reports.ReportStore>();
        // Disbursements (0017): money out of projects, and the projects' public ledgers.
        builder.Services.AddSingleton<Disbursements.IDisbursementStore, Disbursements.DisbursementStore>();
        builder.Services.AddSingleton<Disbursements.ProjectLedgerQueries>();
        builder.Services.AddHostedService<MigrateOnStartService>();
        return builder;
    }

    /// <summary>
    /// Makes the ledger's write side one <see cref="SharedLedgerWriter"/> per host (per silo): every campaign grain's
    /// commit queue hands it its batches, and it groups the batches of many campaigns into one transaction of
    /// <see cref="PostgresLedgerWriter"/>. Its options are bound from the <c>Ledger</c> section and validated at start.
    /// </summary>
    public static IServiceCollection AddSharedLedgerWriter(this IServiceCollection services)
    {
        services.AddOptions<LedgerWriterOptions>().BindConfiguration("Ledger").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PostgresLedgerWriter>();
        services.AddSingleton<SharedLedgerWriter>();
        services.AddSingleton<IDonationLedger>(sp => sp.GetRequiredService<SharedLedgerWriter>());
        return services;
    }

    /// <summary>The connection string the Orleans ADO.NET providers should use.</summary>
    public static string GetFundraisingConnectionString(this IConfiguration configuration) =>
        configuration.GetConnectionString("Fundraising")
        ?? throw new InvalidOperationException("ConnectionStrings:Fundraising is required: the PostgreSQL connection string.");

    private sealed class MigrateOnStartService(DatabaseMigrator migrator, IOptions<DatabaseOptions> options) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            options.Value.MigrateOnStart ? migrator.MigrateAsync(cancellationToken) : Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
