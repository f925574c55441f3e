//! Seed data. Reference data (the first privacy policy, the tags, the launch
//! campaign) is needed in every environment and is inserted when missing;
//! demo accounts are for development only and go into an empty database.
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use entity::user_settings::Keywords;
use entity::{
    Audience, FollowState, InteractionKind, LinkStatus, Pillar, Role, TimeRequestStatus, campaign, content,
    family_link, follow, interaction, privacy_policy, tag, time_request, user, user_settings,
};
use sea_orm::sea_query::Expr;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::auth::PasswordHasher;
use crate::domain::{DisplayName, Email, Handle, Locale, Password};
use crate::error::{AppError, ServiceResult as AppResult};
use crate::service::accounts::{self, NewAccount};
use crate::service::content::{self as contents, NewContent};
use crate::service::privacy;

mod campaigns;
mod catalogue;
pub mod scenes;

pub const DEMO_PASSWORD: &str = "motlanthu2023";

const POLICY_V1_SUMMARY: &str = "We collect what you post and how you use TrustFeed to show you useful \
videos and keep the community safe. You can see, export and delete your data at any time.";
const POLICY_V1_SUMMARY_VI: &str = "Chúng tôi thu thập nội dung bạn đăng và cách bạn dùng TrustFeed để \
gợi ý video hữu ích và giữ cộng đồng an toàn. Bạn có thể xem, tải về và xóa dữ liệu của mình bất cứ lúc nào.";
const POLICY_V1_BODY: &str = "1. What we collect: your profile (handle, display name, email, birth date), \
what you post and comment, and what you watch, like, share, skip, follow and search.\n\
2. Why: to rank your feed and explain each recommendation, to enforce screen-time limits and guardian \
controls, and to review reports.\n\
3. Teens: accounts of people aged 13 to 17 are private by default, have a daily screen-time limit and \
time-away hours, and never see content for adults. Nobody under 13 may have an account.\n\
4. Your rights: you can export everything we hold about you and delete your account; deletion is final \
after 30 days.\n\
5. Changes: when this policy changes we tell you and ask you to accept the new version.";
const POLICY_V1_BODY_VI: &str = "1. Chúng tôi thu thập: hồ sơ của bạn (tên người dùng, tên hiển thị, \
email, ngày sinh), nội dung và bình luận bạn đăng, và những gì bạn xem, thích, chia sẻ, lướt qua, theo \
dõi và tìm kiếm.\n\
2. Mục đích: sắp xếp bảng tin và giải thích vì sao mỗi video được gợi ý, thực thi giới hạn thời gian sử \
dụng và quyền kiểm soát của phụ huynh, và xem xét các báo cáo.\n\
3. Thanh thiếu niên: tài khoản của người từ 13 đến 17 tuổi mặc định ở chế độ riêng tư, có giới hạn thời \
gian mỗi ngày và giờ nghỉ, và không bao giờ thấy nội dung dành cho người lớn. Người dưới 13 tuổi không \
được có tài khoản.\n\
4. Quyền của bạn: bạn có thể tải về mọi dữ liệu chúng tôi lưu về bạn và xóa tài khoản; sau 30 ngày việc \
xóa là vĩnh viễn.\n\
5. Thay đổi: khi chính sách thay đổi, chúng tôi sẽ thông báo và đề nghị bạn chấp nhận phiên bản mới.";

/// (slug, English label, Vietnamese label, pillar)
pub const TAGS: &[(&str, &str, &str, Pillar)] = &[
    ("study-tips", "Study tips", "Mẹo học tập", Pillar::Learn),
    ("language-learning", "Language learning", "Học ngoại ngữ", Pillar::Learn),
    ("personal-finance", "Personal finance", "Tài chính cá nhân", Pillar::Learn),
    ("health", "Health", "Sức khỏe", Pillar::Learn),
    ("science", "Science", "Khoa học", Pillar::Learn),
    ("food", "Food", "Ẩm thực", Pillar::Discover),
    ("travel", "Travel", "Du lịch", Pillar::Discover),
    ("news", "News", "Tin tức", Pillar::Discover),
    ("diy", "DIY & crafts", "Tự làm", Pillar::Discover),
    ("family-stories", "Family stories", "Chuyện gia đình", Pillar::Connect),
    ("community", "Community", "Cộng đồng", Pillar::Connect),
    ("culture", "Vietnamese culture", "Văn hóa Việt", Pillar::Connect),
    ("comedy", "Comedy", "Hài hước", Pillar::Laugh),
    ("dance", "Dance", "Nhảy", Pillar::Laugh),
    ("pets", "Pets", "Thú cưng", Pillar::Laugh),
    ("volunteering", "Volunteering", "Tình nguyện", Pillar::Kindness),
    ("kind-words", "Kind words", "Lời tử tế", Pillar::Kindness),
    ("helping-hands", "Helping hands", "Giúp một tay", Pillar::Kindness),
];

pub const CAMPAIGN_SLUG: &str = "tryitwithtiktok";

/// Midnight at the start of a day in Vietnam, as UTC.
fn vietnam_midnight(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(year, month, day).map_or(DateTime::UNIX_EPOCH, |date| in_vietnam(date.into()))
}

/// A wall-clock time in Vietnam (UTC+7 all year), as UTC.
fn in_vietnam(local: chrono::NaiveDateTime) -> DateTime<Utc> {
    chrono_tz::Asia::Ho_Chi_Minh
        .from_local_datetime(&local)
        .single()
        .map_or(DateTime::UNIX_EPOCH, |t| t.with_timezone(&Utc))
}

pub async fn reference_data(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<()> {
    if privacy_policy::Entity::find().count(db).await? == 0 {
        privacy_policy::ActiveModel {
            version: Set(1),
            published_at: Set(now),
            summary: Set(POLICY_V1_SUMMARY.into()),
            summary_vi: Set(POLICY_V1_SUMMARY_VI.into()),
            body: Set(POLICY_V1_BODY.into()),
            body_vi: Set(POLICY_V1_BODY_VI.into()),
        }
        .insert(db)
        .await?;
    }
    let tags = TAGS.iter().map(|(slug, label, label_vi, pillar)| tag::ActiveModel {
        slug: Set((*slug).into()),
        label: Set((*label).into()),
        label_vi: Set((*label_vi).into()),
        pillar: Set(*pillar),
    });
    tag::Entity::insert_many(tags)
        .on_conflict(OnConflict::column(tag::Column::Slug).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    let campaign = campaign::ActiveModel {
        id: Set(Uuid::new_v4()),
        slug: Set(CAMPAIGN_SLUG.into()),
        name: Set("Try it with TikTok".into()),
        hashtag: Set("#tryitwithtiktok".into()),
        tagline: Set("Trăm xem không bằng một thử".into()),
        starts_at: Set(vietnam_midnight(2023, 5, 17)),
        ends_at: Set(vietnam_midnight(2023, 7, 1)),
    };
    campaign::Entity::insert(campaign)
        .on_conflict(OnConflict::column(campaign::Column::Slug).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub struct DemoAccount {
    pub handle: &'static str,
    pub display_name: &'static str,
    pub email: &'static str,
    pub age_years: i64,
    pub role: Role,
}

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        handle: "lan.nguyen",
        display_name: "Nguyễn Thị Lan",
        email: "lan@demo.trustfeed.vn",
        age_years: 29,
        role: Role::User,
    },
    DemoAccount {
        handle: "minh.tran",
        display_name: "Trần Văn Minh",
        email: "minh@demo.trustfeed.vn",
        age_years: 44,
        role: Role::User,
    },
    DemoAccount {
        handle: "bao.an",
        display_name: "Trần Bảo An",
        email: "an@demo.trustfeed.vn",
        age_years: 14,
        role: Role::User,
    },
    DemoAccount {
        handle: "khanh.vy",
        display_name: "Trần Khánh Vy",
        email: "vy@demo.trustfeed.vn",
        age_years: 16,
        role: Role::User,
    },
    DemoAccount {
        handle: "thu.ha.mod",
        display_name: "Lê Thu Hà",
        email: "moderator@demo.trustfeed.vn",
        age_years: 33,
        role: Role::Moderator,
    },
    DemoAccount {
        handle: "phan.tich",
        display_name: "Đỗ Phân Tích",
        email: "analyst@demo.trustfeed.vn",
        age_years: 35,
        role: Role::Analyst,
    },
    DemoAccount {
        handle: "trustfeed.admin",
        display_name: "TrustFeed Admin",
        email: "admin@demo.trustfeed.vn",
        age_years: 38,
        role: Role::Admin,
    },
];

/// A birth date that makes someone `years` old (plus about half a year) today,
/// so the demo teens stay teens whenever the demo runs.
fn birth_date_for_age(years: i64, now: DateTime<Utc>) -> NaiveDate {
    (now - Duration::days(years * 365 + years / 4 + 180)).date_naive()
}

fn seed_field<T>(result: Result<T, validator::ValidationError>) -> AppResult<T> {
    result.map_err(|e| AppError::internal(format!("invalid demo data: {e}")))
}

/// Demo accounts, only into a database with no users yet.
/// A family that works out of the box: `minh.tran` guards `bao.an` (14),
/// with a weekday and a weekend limit and a blocked keyword set, and one
/// request for more time waiting for him.
async fn demo_family(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<()> {
    let find = |handle: &'static str| async move {
        user::Entity::find()
            .filter(user::Column::Handle.eq(handle))
            .one(db)
            .await?
            .ok_or_else(|| AppError::internal(format!("demo account {handle} missing")))
    };
    let (parent, teen) = (find("minh.tran").await?, find("bao.an").await?);
    family_link::ActiveModel {
        id: Set(Uuid::new_v4()),
        guardian_id: Set(parent.id),
        teen_id: Set(teen.id),
        status: Set(LinkStatus::Active),
        created_at: Set(now),
        ended_at: Set(None),
        unlink_requested_at: Set(None),
        approver_id: Set(None),
    }
    .insert(db)
    .await?;
    user_settings::Entity::update_many()
        .col_expr(user_settings::Column::DailyLimitMinutes, Expr::value(60))
        .col_expr(user_settings::Column::WeekendLimitMinutes, Expr::value(90))
        .col_expr(user_settings::Column::BlockedKeywords, Expr::value(Keywords(vec!["thử thách nguy hiểm".into()])))
        .col_expr(user_settings::Column::LockedByGuardian, Expr::value(true))
        .filter(user_settings::Column::UserId.eq(teen.id))
        .exec(db)
        .await?;
    time_request::ActiveModel {
        id: Set(Uuid::new_v4()),
        teen_id: Set(teen.id),
        minutes: Set(30),
        reason: Set(Some("Con muốn xem nốt loạt video học tiếng Anh".into())),
        status: Set(TimeRequestStatus::Pending),
        granted_minutes: Set(None),
        granted_for: Set(None),
        answered_by: Set(None),
        created_at: Set(now),
        answered_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Two weeks of the demo teen's watching before today, so the guardian's
/// chart has something to show: about half an hour after school, more at
/// weekends, and late nights in the first week (before time away). The
/// teen rewatches a few favourites, so their feed still has news for them;
/// their tastes are learned from it as if they had been there.
async fn demo_usage(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<()> {
    let teen = user::Entity::find()
        .filter(user::Column::Handle.eq("bao.an"))
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("demo account bao.an missing"))?;
    let favourites = content::Entity::find()
        .filter(content::Column::Audience.eq(Audience::General))
        .order_by_desc(content::Column::DurationSeconds)
        .limit(6)
        .all(db)
        .await?;
    let today = now.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).date_naive();
    let mut views = Vec::new();
    for days_ago in 1..=14_i64 {
        let day = today - Duration::days(days_ago);
        let weekend = matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
        let (afternoon, late) = match (weekend, days_ago >= 8 && days_ago % 2 == 0) {
            (true, late) => (40 + days_ago % 4 * 5, late.then_some(25)),
            (false, late) => (20 + days_ago % 5 * 4, late.then_some(15 + days_ago % 3 * 5)),
        };
        for (starts_at, minutes) in [(16 * 60 + 30, Some(afternoon)), (22 * 60 + 40, late)] {
            let Some(minutes) = minutes else { continue };
            let mut watched_ms = 0;
            for (n, video) in favourites.iter().cycle().enumerate() {
                if i64::from(watched_ms) >= minutes * 60_000 {
                    break;
                }
                // One video in four is left halfway.
                let this_ms = video.duration_seconds * 1000 / if n % 4 == 3 { 2 } else { 1 };
                let local = day.and_time(chrono::NaiveTime::MIN)
                    + Duration::minutes(starts_at)
                    + Duration::milliseconds(i64::from(watched_ms));
                views.push(interaction::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    user_id: Set(teen.id),
                    content_id: Set(Some(video.id)),
                    kind: Set(InteractionKind::View),
                    watched_ms: Set(Some(this_ms)),
                    query: Set(None),
                    created_at: Set(in_vietnam(local)),
                });
                watched_ms += this_ms;
            }
        }
    }
    interaction::Entity::insert_many(views).exec_without_returning(db).await?;
    crate::service::feed::tastes::relearn(db, &[teen.id]).await
}

pub async fn demo(db: &DatabaseConnection, hasher: &PasswordHasher, now: DateTime<Utc>) -> AppResult<()> {
    if user::Entity::find().count(db).await? > 0 {
        return Ok(());
    }
    let policy = privacy::current(db).await?;
    let account =
        |handle: &str, display_name: &str, email: &str, age_years: i64, role: Role| -> AppResult<NewAccount> {
            Ok(NewAccount {
                handle: seed_field(Handle::parse(handle))?,
                display_name: seed_field(DisplayName::parse(display_name))?,
                email: seed_field(Email::parse(email))?,
                password: seed_field(Password::parse(DEMO_PASSWORD))?,
                birth_date: birth_date_for_age(age_years, now),
                timezone: chrono_tz::Asia::Ho_Chi_Minh,
                locale: Locale::Vi,
                role,
                accepted_policy_version: policy.version,
            })
        };
    for demo in DEMO_ACCOUNTS {
        accounts::sign_up(
            db,
            hasher,
            account(demo.handle, demo.display_name, demo.email, demo.age_years, demo.role)?,
            None,
            now,
        )
        .await?;
    }
    let mut creators = Vec::new();
    for (handle, name, _) in catalogue::CREATORS {
        let email = format!("{handle}@creators.demo.trustfeed.vn");
        creators.push(accounts::sign_up(db, hasher, account(handle, name, &email, 31, Role::User)?, None, now).await?);
    }
    // An impersonator who signed up before the real cook was verified: her
    // verification sends it to the moderators.
    let (handle, name, email) = DEMO_LOOK_ALIKE;
    accounts::sign_up(db, hasher, account(handle, name, email, 24, Role::User)?, None, now).await?;
    for (creator, (_, _, badge)) in creators.iter_mut().zip(catalogue::CREATORS) {
        if let Some(kind) = badge {
            *creator = crate::service::identity::verify(db, creator.clone(), *kind, now).await?;
        }
    }
    demo_verification_request(db, now).await?;
    demo_content(db, &creators, now).await?;
    demo_family(db, now).await?;
    demo_usage(db, now).await?;
    demo_conversations(db, &creators, now).await?;
    demo_kindness(db, &creators, now).await?;
    let spammer = accounts::sign_up(
        db,
        hasher,
        account("san.sale.gia.soc", "Săn Sale Giá Sốc", "spam@demo.trustfeed.vn", 27, Role::User)?,
        None,
        now,
    )
    .await?;
    campaigns::seed(db, &spammer, &creators, now).await?;
    let (handle, name, email) = DEMO_AGE_CHECK;
    let child = accounts::sign_up(db, hasher, account(handle, name, email, 18, Role::User)?, None, now).await?;
    demo_age_check(db, &child, now).await?;
    tracing::info!(
        accounts = DEMO_ACCOUNTS.len() + creators.len(),
        contents = catalogue::CONTENT.len(),
        "seeded demo data"
    );
    Ok(())
}

/// (handle, display name, email) of the demo's impersonator of `bep.nha.lan`.
const DEMO_LOOK_ALIKE: (&str, &str, &str) = ("bep_nha_lan", "Bếp Nhà Lan", "bep.gia@demo.trustfeed.vn");

/// (handle, display name, email) of a child who said she was 18 at sign-up.
const DEMO_AGE_CHECK: (&str, &str, &str) = ("bong.be.xiu", "Bông Bé Xíu", "bong@demo.trustfeed.vn");

/// `minh.tran` reports the child's account as under 13 and the moderator
/// asks for an age check, through the same services the API uses: the
/// account is locked and waits for her answer, and then the admin's decision.
async fn demo_age_check(db: &DatabaseConnection, child: &user::Model, now: DateTime<Utc>) -> AppResult<()> {
    use crate::service::moderation::{self, Decision, NewReport};
    let acting_as = |handle: &'static str| async move {
        let user = user::Entity::find()
            .filter(user::Column::Handle.eq(handle))
            .one(db)
            .await?
            .ok_or_else(|| AppError::internal(format!("demo account {handle} missing")))?;
        let settings = crate::service::settings::get(db, user.id).await?;
        let caller = crate::auth::Caller::Signed(Box::new(crate::auth::Viewer { user, settings }));
        AppResult::Ok(crate::service::policy::Access::new(caller, now - Duration::hours(3), None))
    };
    let report = NewReport {
        target_type: entity::ReportTargetType::User,
        target_id: child.id,
        reason: entity::ReportReason::UnderageUser,
        details: Some("Bé là bạn cùng lớp 5 của con tôi, mới 10 tuổi.".into()),
        notify_guardian: false,
    };
    let (_, case_id) = moderation::file_report(db, &acting_as("minh.tran").await?, report).await?;
    let moderator = acting_as("thu.ha.mod").await?;
    let case = moderation::get_case(db, &moderator, case_id).await?;
    let decision = Decision {
        case_id,
        action: entity::ModerationAction::RequireAgeCheck,
        note: "Phụ huynh cùng lớp cho biết bé 10 tuổi; cần xác nhận tuổi.".into(),
        expected_version: case.version,
        suspend_days: None,
    };
    moderation::resolve(db, &moderator, decision).await?;
    Ok(())
}

/// `lan.nguyen` asks for the badge as a creator: the admin's queue has one.
async fn demo_verification_request(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<()> {
    let lan = user::Entity::find()
        .filter(user::Column::Handle.eq("lan.nguyen"))
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("demo account lan.nguyen missing"))?;
    entity::verification_request::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(lan.id),
        kind: Set(entity::VerificationKind::Creator),
        evidence: Set("Kênh nấu ăn gia đình trên YouTube (youtube.com/@lannauan), 48.000 người theo dõi; \
                       báo Tuổi Trẻ đã giới thiệu ngày 12/3."
            .into()),
        status: Set(entity::VerificationStatus::Pending),
        note: Set(None),
        decided_by: Set(None),
        created_at: Set(now - Duration::hours(5)),
        decided_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Unkind comments a storm is made of: each would be nudged, and was posted anyway.
const STORM_COMMENTS: &[&str] = &[
    "Béo như lợn còn bày đặt nhảy",
    "Xấu vãi, đừng đăng nữa",
    "Đồ ngu, nhảy như khỉ",
    "Mày nên biến khỏi mạng đi",
    "nhảy xấu vl",
    "Óc chó mới xem cái này",
];

/// Kind words, measured: the dance creator `nhay.cung.mai` holds unkind
/// comments and those with "béo", and her latest video had a storm of them
/// yesterday (held for her, and told); a month of nudges behind them, each
/// settled, so the figures are not empty on first run.
async fn demo_kindness(db: &DatabaseConnection, creators: &[user::Model], now: DateTime<Utc>) -> AppResult<()> {
    let Some(mai) = creators.iter().find(|c| c.handle == "nhay.cung.mai") else {
        return Err(AppError::internal("demo creator nhay.cung.mai missing"));
    };
    let mut controls: user_settings::ActiveModel = crate::service::settings::get(db, mai.id).await?.into();
    controls.filter_unkind = Set(true);
    controls.filter_keywords = Set(Keywords(vec!["béo".into()]));
    controls.update(db).await?;
    let video = content::Entity::find()
        .filter(content::Column::AuthorId.eq(mai.id))
        .order_by_desc(content::Column::CreatedAt)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("nhay.cung.mai has no video"))?;
    let writers: Vec<&user::Model> = creators.iter().filter(|c| c.id != mai.id).collect();
    for (n, writer) in writers.iter().enumerate().chain(writers.iter().enumerate().take(3)) {
        let at = now - Duration::hours(26) + Duration::minutes(i64::try_from(n).unwrap_or(0) * 4);
        let body = STORM_COMMENTS[n % STORM_COMMENTS.len()];
        entity::comment::ActiveModel {
            held_at: Set(Some(at)),
            flagged: Set(true),
            ..crate::service::comments::row(video.id, writer.id, body, at)
        }
        .insert(db)
        .await?;
    }
    crate::service::comments::recount(db, video.id).await?;
    content::Entity::update_many()
        .col_expr(content::Column::StormToldAt, Expr::value(now - Duration::hours(25)))
        .filter(content::Column::Id.eq(video.id))
        .exec(db)
        .await?;
    let notice = crate::service::notifications::Notice::CommentStorm { title: &video.title, content_id: video.id };
    crate::service::notifications::notify(db, mai, notice, now - Duration::hours(25)).await?;

    // A month of nudges: about five in nine rewritten, a quarter withdrawn, the rest posted anyway.
    let videos: Vec<Uuid> = content::Entity::find().all(db).await?.into_iter().map(|c| c.id).collect();
    let mut nudges = Vec::new();
    for n in 0..120_usize {
        let outcome = match n % 9 {
            0..=4 => entity::NudgeOutcome::Rewritten,
            5 | 6 => entity::NudgeOutcome::Withdrawn,
            _ => entity::NudgeOutcome::PostedAnyway,
        };
        let at = now - Duration::hours(6 + i64::try_from(n * 6).unwrap_or(0));
        nudges.push(entity::nudge::ActiveModel {
            id: Set(Uuid::new_v4()),
            user_id: Set(writers[n % writers.len()].id),
            content_id: Set(videos[n % videos.len().max(1)]),
            words: Set(STORM_COMMENTS[n % STORM_COMMENTS.len()].into()),
            outcome: Set(Some(outcome)),
            created_at: Set(at),
            settled_at: Set(Some(at + Duration::minutes(4))),
        });
    }
    entity::nudge::Entity::insert_many(nudges).exec_without_returning(db).await?;
    Ok(())
}

/// Kind words people leave under the demo's videos.
const DEMO_COMMENTS: &[&str] = &[
    "Cảm ơn bạn, video rất dễ hiểu!",
    "Mình đã thử làm theo và thành công rồi 😊",
    "Hữu ích quá, lưu lại để xem tiếp.",
    "Cả nhà mình cùng xem, ai cũng thích.",
    "Mong bạn ra thêm video như thế này.",
    "Giải thích rõ ràng, cảm ơn nhiều!",
    "Xem xong thấy vui cả ngày.",
    "Ý tưởng hay, mình sẽ chia sẻ cho bạn bè.",
];

/// Conversations that make the screens look lived in: two kind comments
/// on four videos in five (none on mature ones), and a circle for the demo
/// teen `bao.an` (follows three creators, followed by two of them).
async fn demo_conversations(db: &DatabaseConnection, creators: &[user::Model], now: DateTime<Utc>) -> AppResult<()> {
    let mut voices = creators.to_vec();
    for handle in ["lan.nguyen", "khanh.vy"] {
        voices.extend(user::Entity::find().filter(user::Column::Handle.eq(handle)).one(db).await?);
    }
    let videos = content::Entity::find().filter(content::Column::Audience.eq(Audience::General)).all(db).await?;
    for (index, video) in videos.iter().enumerate() {
        if index % 5 == 4 {
            continue;
        }
        let speakers = voices.iter().filter(|v| v.id != video.author_id).cycle().skip(index % voices.len()).take(2);
        for (n, speaker) in speakers.enumerate() {
            let body = DEMO_COMMENTS[(index + n * 3) % DEMO_COMMENTS.len()];
            let said = video.created_at + Duration::minutes(37 + 53 * i64::try_from(n).unwrap_or(0));
            crate::service::comments::row(video.id, speaker.id, body, said.min(now)).insert(db).await?;
        }
        content::Entity::update_many()
            .col_expr(content::Column::CommentCount, Expr::value(2))
            .filter(content::Column::Id.eq(video.id))
            .exec(db)
            .await?;
    }
    let teen = user::Entity::find()
        .filter(user::Column::Handle.eq("bao.an"))
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("demo account bao.an missing"))?;
    let circle =
        creators.iter().filter(|c| ["bep.nha.lan", "hoc.moi.ngay", "tu.te.moi.ngay"].contains(&c.handle.as_str()));
    for (n, creator) in circle.enumerate() {
        let mut pairs = vec![(teen.id, creator.id)];
        if n < 2 {
            pairs.push((creator.id, teen.id));
        }
        for (follower, followee) in pairs {
            follow::ActiveModel {
                follower_id: Set(follower),
                followee_id: Set(followee),
                status: Set(FollowState::Accepted),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// The catalogue, spread over the last two months; campaign entries are
/// dated inside the campaign. Counters get a deterministic spread so that
/// some videos trend.
async fn demo_content(db: &DatabaseConnection, creators: &[user::Model], now: DateTime<Utc>) -> AppResult<()> {
    let tags = tag::Entity::find().all(db).await?;
    let campaign = crate::service::campaign::surveys::find_campaign(db, CAMPAIGN_SLUG).await?;
    for (index, (creator, language, title, caption, seconds, slugs, mature, entry)) in
        catalogue::CONTENT.iter().enumerate()
    {
        let author = creators.get(*creator).ok_or_else(|| AppError::internal("demo content names no creator"))?;
        let content_tags: Vec<tag::Model> = tags.iter().filter(|t| slugs.contains(&t.slug.as_str())).cloned().collect();
        let step = i64::try_from(index).unwrap_or(0);
        let (campaign_id, created_at) = match (&campaign, entry) {
            (Some(c), true) => (Some(c.id), c.starts_at + Duration::hours(11 + step * 13)),
            _ => (None, now - Duration::hours(3 + step * 16)),
        };
        let new = NewContent {
            title: (*title).into(),
            caption: (*caption).into(),
            language: (*language).into(),
            media_url: scenes::media_url(index),
            duration_seconds: *seconds,
            audience: if *mature { Audience::Mature } else { Audience::General },
            tag_slugs: slugs.iter().map(|s| (*s).to_owned()).collect(),
            campaign_slug: None,
        };
        let row = contents::publish(db, author, new, &content_tags, campaign_id, created_at).await?;
        let views = (step * 7919) % 5000 + 50;
        content::Entity::update_many()
            .col_expr(content::Column::ViewCount, Expr::value(views as i32))
            .col_expr(content::Column::LikeCount, Expr::value((views / (3 + step % 7)) as i32))
            .col_expr(content::Column::ShareCount, Expr::value((views / 40) as i32))
            .filter(content::Column::Id.eq(row.id))
            .exec(db)
            .await?;
    }
    Ok(())
}
