"""flask insights champions / awards-csv."""

from __future__ import annotations


def test_champions_and_csv_commands(app, tmp_path, make_community, make_user, award_points):
    community = make_community()
    award_points(make_user(community=community, name="张三丰"), 12, memo="志愿活动：护河巡查")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["insights", "champions", str(community.id)])
    assert result.exit_code == 0, result.output
    assert "1\t张三丰\t12\t1" in result.output
    out = tmp_path / "awards.csv"
    result = runner.invoke(args=["insights", "awards-csv", str(community.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "志愿活动：护河巡查" in data.decode("utf-8-sig")
    bad = runner.invoke(args=["insights", "champions", str(community.id), "--week", "2026-W99"])
    assert bad.exit_code == 2 and "--week" in bad.output
